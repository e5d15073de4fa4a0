import { initPopulation, initSoftPrompt, initSubspacePopulation, softPromptBounds, Subspace, tableStats, type EmbeddingTable, type PromptTuningInit } from '../embedding/index.ts';
import type { SoftPrompt } from '../model/types.ts';

export type SpaceKind = 'full' | 'subspace';
export type InitKind = 'text' | 'vocab' | 'random';

export const PEFT_INIT: Record<InitKind, PromptTuningInit> = { text: 'TEXT', vocab: 'RANDOM_DISCRETE', random: 'RANDOM' };

export interface SpaceSettings {
  k: number;
  space: SpaceKind;
  dim: number;
  init: InitKind;
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
export function buildSearchSpace(table: EmbeddingTable, settings: SpaceSettings, popSize: number, initTokenIds: number[]): SearchSpace {
  const { k, seed } = settings;
  const hidden = table.hidden;
  const spec = { method: PEFT_INIT[settings.init], seed: `${seed}/init`, tokenIds: initTokenIds };
  if (settings.space === 'full') {
    const { lower, upper } = softPromptBounds(tableStats(table), k);
    return {
      dim: k * hidden,
      initialPopulation: initPopulation(table, k, popSize, spec),
      lower,
      upper,
      toPrompt: (vector) => ({ k, hidden, data: vector.slice() }),
    };
  }
  const subspace = new Subspace({ k, hidden, zDim: settings.dim, seed: `${seed}/projection`, std: tableStats(table).std, s0: initSoftPrompt(table, k, spec) });
  return {
    dim: settings.dim,
    initialPopulation: initSubspacePopulation(popSize, settings.dim, `${seed}/population`),
    toPrompt: (vector) => ({ k, hidden, data: subspace.project(vector) }),
  };
}
