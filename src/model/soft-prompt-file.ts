import fs from 'node:fs';
import path from 'node:path';
import { decodeNpy, decodePeftSoftPrompt, decodeSoftPromptJson, softPromptFromTensor } from '../embedding/index.ts';
import type { SoftPrompt } from './types.ts';
import { UserError } from '../util/errors.ts';
import { fileSystemError } from '../util/fs-errors.ts';
import { decodeUtf8 } from '../util/text-file.ts';

/**
 * Reads a soft prompt: PEFT `adapter_model.safetensors` (tensor prompt_embeddings; a folder holding
 * one also works), `.npy` [k, d], or JSON {"shape": [k, d], "data": [...]}; fp32 or fp16.
 */
export function readSoftPromptFile(file: string, expectedHidden?: number): SoftPrompt {
  let target = file;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) target = path.join(file, 'adapter_model.safetensors');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(target);
  } catch (error) {
    throw fileSystemError(error, target, 'read');
  }
  const prefix = (message: string) => (message.includes(target) ? message : `${target}: ${message}`);
  try {
    if (target.endsWith('.safetensors')) return decodePeftSoftPrompt(bytes, expectedHidden);
    if (target.endsWith('.npy')) {
      const { shape, data } = decodeNpy(bytes);
      return softPromptFromTensor(shape, data, target, expectedHidden);
    }
    if (target.endsWith('.json')) return decodeSoftPromptJson(decodeUtf8(bytes, target), expectedHidden);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(prefix(error.message));
    throw error;
  }
  throw new UserError(`${target}: unknown soft prompt format (use .safetensors, .npy or .json)`);
}
