import { UserError } from '../util/errors.ts';

/** A soft prompt: k vectors of the model's hidden size, row-major [k, hidden]. */
export interface SoftPrompt {
  k: number;
  hidden: number;
  data: Float32Array;
}

/** Where the soft prompt goes: before every real token (PEFT's convention) or right after BOS. */
export type Placement = 'start' | 'after-bos';

/** A soft prompt from a [k, hidden] tensor, checked against the model's hidden size when given. */
export function softPromptFromTensor(shape: readonly number[], data: Float32Array, source: string, expectedHidden?: number): SoftPrompt {
  if (shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new UserError(`${source}: soft prompt must have shape [k, hidden], got [${shape}]`);
  }
  const [k, hidden] = shape;
  if (expectedHidden !== undefined && hidden !== expectedHidden) {
    throw new UserError(`${source}: soft prompt has hidden size ${hidden}, the model expects ${expectedHidden}`);
  }
  if (data.length !== k * hidden) throw new UserError(`${source}: ${data.length} values for shape [${k}, ${hidden}]`);
  // A NaN or infinite value would make every log-prob NaN: a result that looks like one, silently wrong.
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new UserError(`${source}: soft prompt value [${Math.floor(bad / hidden)}, ${bad % hidden}] is ${data[bad]}, not a finite number`);
  return { k, hidden, data };
}

/** JSON form: {"shape": [k, hidden], "data": [row-major values]}. */
export function encodeSoftPromptJson(prompt: SoftPrompt): string {
  return JSON.stringify({ shape: [prompt.k, prompt.hidden], data: Array.from(prompt.data) });
}

export function decodeSoftPromptJson(text: string, expectedHidden?: number): SoftPrompt {
  let parsed: { shape?: unknown; data?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError('soft prompt JSON is not valid JSON');
  }
  if (!Array.isArray(parsed?.shape) || !Array.isArray(parsed.data) || !parsed.data.every((v) => typeof v === 'number')) {
    throw new UserError('soft prompt JSON must be {"shape": [k, hidden], "data": [numbers]}');
  }
  return softPromptFromTensor(parsed.shape as number[], Float32Array.from(parsed.data as number[]), 'soft prompt JSON', expectedHidden);
}
