import { UserError } from '../util/errors.ts';
import type { ScoreRequest } from './types.ts';

/** What a model can take: token ids below `vocab`, sequences of at most `maxPositions` (when the config says). */
export interface ModelLimits {
  vocab: number;
  maxPositions?: number;
}

/**
 * Positions one request takes with k soft vectors: the vectors, the prompt, and every token of its
 * longest option but the last (an option token's log-prob is read at the position before it).
 */
export function positionsNeeded(request: ScoreRequest, k: number): number {
  return k + request.ids.length + Math.max(1, ...request.options.map((o) => o.length)) - 1;
}

/**
 * Checks requests against the model's limits before anything is scored: past them onnxruntime fails
 * deep inside a Gather node, or a position embedding reads beyond its table. `where` names request i
 * as the user knows it (a file and line).
 */
export function checkRequests(requests: readonly ScoreRequest[], k: number, limits: ModelLimits, where: (i: number) => string = (i) => `request ${i}`): void {
  const outside = (id: number) => !Number.isSafeInteger(id) || id < 0 || id >= limits.vocab;
  requests.forEach((request, i) => {
    const badPrompt = request.ids.find(outside);
    if (badPrompt !== undefined) throw new UserError(`${where(i)}: token id ${badPrompt} is outside the model's vocabulary (0 to ${limits.vocab - 1})`);
    const badOption = request.options.flat().find(outside);
    if (badOption !== undefined) throw new UserError(`${where(i)}: option token id ${badOption} is outside the model's vocabulary (0 to ${limits.vocab - 1})`);
    const needed = positionsNeeded(request, k);
    if (limits.maxPositions !== undefined && needed > limits.maxPositions) {
      const parts = [`${request.ids.length} prompt tokens`, k > 0 ? `${k} soft prompt vectors` : '', needed - k - request.ids.length > 0 ? `${needed - k - request.ids.length} option tokens` : ''];
      throw new UserError(
        `${where(i)}: ${parts.filter(Boolean).join(' + ')} need ${needed} positions; the model takes at most ${limits.maxPositions} (max_position_embeddings)`,
      );
    }
  });
}

/**
 * The most tokens a generating format may ask for per question, whatever the model: far beyond any
 * answer a survey needs, and a bound on what one question's decode allocates where the config names
 * no context length (--max-new-tokens 100000000 once ran the heap out after minutes).
 */
export const MAX_NEW_TOKENS = 32_768;

/**
 * Checks a generation cap before the model loads: the prompt takes at least one position beside the
 * new tokens, so a cap must stay below the model's context (max_position_embeddings).
 */
export function checkNewTokens(maxNewTokens: number, maxPositions: number | undefined): void {
  const limit = Math.min(MAX_NEW_TOKENS, maxPositions === undefined ? Infinity : maxPositions - 1);
  if (Number.isSafeInteger(maxNewTokens) && maxNewTokens >= 0 && maxNewTokens <= limit) return;
  const why = limit === MAX_NEW_TOKENS ? `cultune generates at most ${MAX_NEW_TOKENS} tokens per question` : `the model takes at most ${maxPositions} positions (max_position_embeddings), the prompt's included`;
  throw new UserError(`--max-new-tokens ${maxNewTokens}: ${why}; use --max-new-tokens ${Math.max(1, limit)} or less`);
}
