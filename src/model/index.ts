export { loadModel, LlamaModel, type LoadOptions, type EmbeddingTable } from './llama-model.ts';
export { parseDevice } from './session.ts';
export type { ScoreRequest, ScoreOptions, Scorer, SoftPrompt, Placement, TextTokenizer, ChatMessage } from './types.ts';
export { readSoftPromptFile } from './soft-prompt-file.ts';
export { modelGraphHash } from './prepared-cache.ts';
