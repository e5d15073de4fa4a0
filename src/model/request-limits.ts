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
