import { initPopulation, initSoftPrompt, initSubspacePopulation, PEFT_INIT, softPromptBounds, Subspace, tableStats, type EmbeddingTable, type SoftPromptConfig } from '../embedding/index.ts';
import type { SoftPrompt } from '../model/types.ts';

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
 */
export function buildSearchSpace(table: EmbeddingTable, prompt: SoftPromptConfig, search: SearchSettings, initTokenIds: number[]): SearchSpace {
  const { k } = prompt;
  const { seed, pop } = search;
  const hidden = table.hidden;
  const spec = { method: PEFT_INIT[prompt.init], seed: `${seed}/init`, tokenIds: initTokenIds };
  if (search.space === 'full') {
    const { lower, upper } = softPromptBounds(tableStats(table), k);
    return {
      dim: k * hidden,
      initialPopulation: initPopulation(table, k, pop, spec),
      lower,
      upper,
      toPrompt: (vector) => ({ k, hidden, data: vector.slice() }),
    };
  }
  const subspace = new Subspace({ k, hidden, zDim: search.dim, seed: `${seed}/projection`, std: tableStats(table).std, s0: initSoftPrompt(table, k, spec) });
  return {
    dim: search.dim,
    initialPopulation: initSubspacePopulation(pop, search.dim, `${seed}/population`),
    toPrompt: (vector) => ({ k, hidden, data: subspace.project(vector) }),
  };
}
