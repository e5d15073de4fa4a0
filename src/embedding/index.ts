export { softPromptBounds } from './bounds.ts';
export { float16ArrayToFloat32, float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from './fp16.ts';
export { initPopulation, initSoftPrompt, initSubspacePopulation, type InitSpec, type PromptTuningInit } from './init.ts';
export { decodeNpy, encodeNpy, type NpyDtype } from './npy.ts';
export { decodePeftSoftPrompt, encodePeftSoftPrompt, peftAdapterConfig, PEFT_TENSOR_NAME, type AdapterConfigOptions } from './peft.ts';
export { decodeSafetensors, encodeSafetensors, type SafetensorsDtype, type Tensor } from './safetensors.ts';
export { decodeSoftPromptJson, encodeSoftPromptJson, softPromptFromTensor } from './soft-prompt.ts';
export { Subspace, type SubspaceOptions } from './subspace.ts';
export { checkTable, tableStats, type EmbeddingTable, type TableStats } from './table.ts';
