export { loadModel, LlamaModel, type LoadOptions, type EmbeddingTable } from './llama-model.ts';
export { loadOnDevices, CANDIDATES_PER_GROUP, type LoadedModel } from './device-pool.ts';
export { parseDevice, parseDevices } from './device.ts';
export type { ScoreRequest, ScoreOptions, Scorer, SoftPrompt, Placement, TextTokenizer, ChatMessage } from './types.ts';
export { readSoftPromptFile } from './soft-prompt-file.ts';
export { modelGraphHash } from './prepared-cache.ts';
export { resolveModelSource, isHubId, type ModelChoice, type ModelSource, type HubOrigin } from './model-source.ts';
