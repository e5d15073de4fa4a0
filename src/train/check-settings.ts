import { checkStrategy, type Strategy } from '../de/index.ts';
import { positionsNeeded } from '../model/request-limits.ts';
import type { ScoreRequest } from '../model/types.ts';
import type { SoftPromptConfig } from '../embedding/index.ts';
import { UserError } from '../util/errors.ts';
import type { SearchRequest, SearchSettings } from './search-space.ts';

/**
 * Every setting of a run that can be checked without the model, so a mistake is one line before the
 * model is loaded and before a run folder exists (a folder half-made by a failed setup blocks the next try).
 */
export function checkTrainSettings(settings: SearchRequest): void {
  checkStrategy(settings.strategy as Strategy, settings.pop);
  if (settings.budget < settings.pop) {
    throw new UserError(`--budget ${settings.budget} is less than one generation (--pop ${settings.pop}), so nothing would be evaluated; raise --budget or lower --pop`);
  }
}

/** Memory the search may take: the subspace projection and DE's populations, beyond which allocation fails (or the machine swaps). */
const MAX_SEARCH_BYTES = 4 * 2 ** 30;

/** What the model decides: whether k soft vectors fit max_position_embeddings beside the longest prompt (and the text a format generates after it), and whether the search fits in memory. */
export function checkTrainSettingsForModel(
  prompt: Pick<SoftPromptConfig, 'k'>,
  settings: SearchSettings,
  model: { hidden: number; maxPositions?: number },
  questions: { requests: readonly ScoreRequest[]; generatedPositions: number },
  instrumentTitle: string,
): void {
  const { k } = prompt;
  const { pop, dim, space } = settings;
  const generated = questions.generatedPositions;
  const longest = Math.max(...questions.requests.map((request) => positionsNeeded(request, 0))) + generated;
  if (model.maxPositions !== undefined && k + longest > model.maxPositions) {
    const room = model.maxPositions - longest;
    throw new UserError(
      `--k ${k}: the longest ${instrumentTitle} prompt${generated > 0 ? ` with ${generated} generated tokens` : ''} takes ${longest} positions, so a candidate needs ${k + longest}; the model takes at most ${model.maxPositions} (max_position_embeddings)` +
        (room >= 1 ? `; use --k ${room} or less` : generated > 0 ? '; use a smaller --max-new-tokens' : ''),
    );
  }
  const full = k * model.hidden;
  if (space === 'subspace' && dim > full) {
    throw new UserError(`--dim ${dim} exceeds the soft prompt's own size (--k ${k} x hidden ${model.hidden} = ${full}); use --dim ${full} or less, or --space full`);
  }
  const searched = space === 'full' ? full : dim;
  // The projection (subspace only), and population, trials and archive of `pop` vectors each.
  const bytes = 4 * ((space === 'subspace' ? full * dim : 0) + 3 * pop * searched);
  if (bytes > MAX_SEARCH_BYTES) {
    throw new UserError(`the search would take ${(bytes / 2 ** 30).toFixed(1)} GiB of memory (--k ${k}, --space ${space}, --dim ${dim}, --pop ${pop}); lower them`);
  }
}
