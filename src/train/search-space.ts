import { initPopulation, initSoftPrompt, initSubspacePopulation, jitteredPopulation, PEFT_INIT, softPromptBounds, Subspace, tableStats, type EmbeddingTable, type SoftPromptConfig } from '../embedding/index.ts';
import type { SoftPrompt } from '../model/types.ts';
import { notice } from '../util/notices.ts';
import { readInitPrompt } from './init-from.ts';

export type SpaceKind = 'full' | 'subspace';

/** What DE searches over and how long: the part of run.json besides the instrument and the soft prompt's record. */
export interface SearchSettings {
  space: SpaceKind;
  /** Subspace dimension (BBT's d). */
  dim: number;
  strategy: string;
  pop: number;
  budget: number;
  generations?: number;
  stagnation?: number;
  seed: number;
}

/** BBT's subspace dimension (Sun et al. 2022, "Black-Box Tuning for Language-Model-as-a-Service", use d = 500). */
export const DEFAULT_SUBSPACE_DIM = 500;

/** The search as asked, before a model is loaded: without --dim, the dimension waits for the model's width. */
export type SearchRequest = Omit<SearchSettings, 'dim'> & { dim?: number };

/**
 * The search a new run records: --dim as given, else BBT's 500 where the k x hidden prompt is larger, and the
 * prompt's own size where it is not (a subspace as large as the space is the space itself, seen through A).
 */
export function resolveSearch(search: SearchRequest, k: number, hidden: number): SearchSettings {
  if (search.dim !== undefined) return { ...search, dim: search.dim };
  const dim = Math.min(DEFAULT_SUBSPACE_DIM, k * hidden);
  if (search.space === 'subspace' && dim < DEFAULT_SUBSPACE_DIM) {
    notice(`--dim defaults to ${dim}, the soft prompt's own size (--k ${k} x hidden ${hidden}), since it is below ${DEFAULT_SUBSPACE_DIM}`);
  }
  return { ...search, dim };
}

/** The length of a searched vector: the whole k x hidden prompt, or the subspace's dimension. */
export function searchedDim(k: number, hidden: number, search: Pick<SearchSettings, 'space' | 'dim'>): number {
  return search.space === 'full' ? k * hidden : search.dim;
}

/** The full-space population's spread around a given start, in embedding-table stds (initPopulation's default). */
const TEXT_JITTER = 0.1;

/** What DE searches and how a searched vector becomes a soft prompt. */
export interface SearchSpace {
  dim: number;
  initialPopulation: Float32Array[];
  lower?: Float32Array;
  upper?: Float32Array;
  toPrompt(vector: Float32Array): SoftPrompt;
}

/**
 * Full space: the vector is the k x d prompt, bounded by the embedding table's per-dimension range.
 * Subspace (BBT): the vector is z, S = S0 + A z with A regenerated from the run's seed.
 * A `from` prompt (--init-from) is S0 itself, read and checked against the model here, before the run
 * folder is touched; in the full space it is member 0 and the others jitter around it as a TEXT start does.
 */
export function buildSearchSpace(table: EmbeddingTable, prompt: SoftPromptConfig, search: SearchSettings, initTokenIds: number[]): SearchSpace {
  const { k } = prompt;
  const { seed, pop } = search;
  const hidden = table.hidden;
  const spec = { method: PEFT_INIT[prompt.init], seed: `${seed}/init`, tokenIds: initTokenIds };
  const start = prompt.init === 'from' ? readInitPrompt(prompt, hidden) : undefined;
  if (search.space === 'full') {
    const { lower, upper } = softPromptBounds(tableStats(table), k);
    return {
      dim: searchedDim(k, hidden, search),
      initialPopulation: start ? jitteredPopulation(start, pop, TEXT_JITTER * tableStats(table).std, spec.seed) : initPopulation(table, k, pop, spec, TEXT_JITTER),
      lower,
      upper,
      toPrompt: (vector) => ({ k, hidden, data: vector.slice() }),
    };
  }
  const subspace = new Subspace({ k, hidden, zDim: search.dim, seed: `${seed}/projection`, std: tableStats(table).std, s0: start ?? initSoftPrompt(table, k, spec) });
  return {
    dim: searchedDim(k, hidden, search),
    initialPopulation: initSubspacePopulation(pop, search.dim, `${seed}/population`),
    toPrompt: (vector) => ({ k, hidden, data: subspace.project(vector) }),
  };
}
