import type { SoftPrompt } from './soft-prompt.ts';
import type { PromptTuningInit } from './init.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors.ts';
import { softPromptFromTensor } from './soft-prompt.ts';
import { UserError } from '../util/errors.ts';

/** The tensor name PEFT uses for a prompt-tuning adapter's weights. */
export const PEFT_TENSOR_NAME = 'prompt_embeddings';
/** The PEFT release whose PromptTuningConfig fields peftAdapterConfig() writes. */
export const PEFT_VERSION = '0.17.1';

/** `adapter_model.safetensors` bytes: one tensor prompt_embeddings [k, hidden], metadata {format: pt} as PEFT saves it. */
export function encodePeftSoftPrompt(prompt: SoftPrompt, dtype: 'F32' | 'F16' = 'F32'): Uint8Array {
  return encodeSafetensors({ [PEFT_TENSOR_NAME]: { dtype, shape: [prompt.k, prompt.hidden], data: prompt.data } }, { format: 'pt' });
}

export function decodePeftSoftPrompt(bytes: Uint8Array, expectedHidden?: number): SoftPrompt {
  const { tensors } = decodeSafetensors(bytes);
  const tensor = tensors[PEFT_TENSOR_NAME];
  if (!tensor) {
    throw new UserError(`adapter has no '${PEFT_TENSOR_NAME}' tensor (found: ${Object.keys(tensors).join(', ') || 'none'}); is it a prompt-tuning adapter?`);
  }
  return softPromptFromTensor(tensor.shape, tensor.data, 'adapter_model.safetensors', expectedHidden);
}

export interface AdapterConfigOptions {
  baseModel: string;
  numVirtualTokens: number;
  tokenDim: number;
  numLayers: number;
  numAttentionHeads: number;
  init: PromptTuningInit;
  /** TEXT init: the text (PEFT re-tokenises it when the adapter is loaded). */
  initText?: string;
  /** Tokenizer for TEXT init; PEFT requires one then, the base model's by default. */
  tokenizer?: string;
  revision?: string;
}

/**
 * adapter_config.json as PEFT's PromptTuningConfig writes it (keys sorted, as PEFT's
 * json.dumps(sort_keys=True) does), so `PeftModel.from_pretrained` loads the exported prompt.
 */
export function peftAdapterConfig(options: AdapterConfigOptions): Record<string, unknown> {
  if (options.init === 'TEXT' && !options.initText) throw new UserError('a TEXT-initialised adapter needs its init text');
  const text = options.init === 'TEXT';
  return {
    auto_mapping: null,
    base_model_name_or_path: options.baseModel,
    inference_mode: true,
    modules_to_save: null,
    num_attention_heads: options.numAttentionHeads,
    num_layers: options.numLayers,
    num_transformer_submodules: 1,
    num_virtual_tokens: options.numVirtualTokens,
    peft_type: 'PROMPT_TUNING',
    peft_version: PEFT_VERSION,
    prompt_tuning_init: options.init,
    prompt_tuning_init_text: text ? options.initText : null,
    revision: options.revision ?? null,
    task_type: 'CAUSAL_LM',
    token_dim: options.tokenDim,
    tokenizer_kwargs: null,
    tokenizer_name_or_path: text ? (options.tokenizer ?? options.baseModel) : (options.tokenizer ?? null),
  };
}
