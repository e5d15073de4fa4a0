import path from 'node:path';
import { CANDIDATES_PER_GROUP, type LoadedModel } from '../model/index.ts';
import { UserError } from '../util/errors.ts';
import { CHECKPOINT_FILE, type Checkpoint, type GenerationRecord } from './run-files.ts';
import type { SearchSettings, SearchSpace } from './search-space.ts';

/** What the single- and the multi-objective search share: the scoring pass, callbacks, interruption. */

/**
 * Candidates scored together in one pass: one group per session, so every device is busy, and Ctrl-C
 * (polled between passes) is answered within a fraction of a generation.
 */
export function candidatesPerPass(model: LoadedModel): number {
  return CANDIDATES_PER_GROUP * (model.sessions ?? 1);
}

export interface TrainCallbacks {
  /** After each generation's checkpoint is on disk. */
  onGeneration?: (record: GenerationRecord, checkpoint: Checkpoint) => void;
  /** Polled between scoring passes; true stops the run (the last checkpoint stays, `--resume` continues). */
  interrupted?: () => boolean;
  /** One line worth telling the user before a new run starts (an init text that does not fit k). */
  onNotice?: (line: string) => void;
}

export class TrainingInterrupted extends Error {
  constructor(readonly generation: number) {
    // Before the first checkpoint the run folder is cleared (train.ts, inRunFolder): there is nothing to resume.
    super(
      generation > 0
        ? `interrupted; the run is saved at generation ${generation}`
        : 'interrupted before the first generation finished; nothing was saved: the same command starts the run again',
    );
  }
}

export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}


/** A checkpoint's optimiser (DE or GDE3) with run.json's budget, which --extend-budget may have raised since. */
function withBudget<S extends { params?: { stop: object } }>(snapshot: S | undefined, budget: number): unknown {
  const params = snapshot?.params;
  return params ? { ...snapshot, params: { ...params, stop: { ...params.stop, maxEvaluations: budget } } } : snapshot;
}

/** The optimiser's population settings from the search space and run.json's search: DE and GDE3 take the same. */
export function populationOptions(space: SearchSpace, search: SearchSettings) {
  return { dim: space.dim, popSize: search.pop, seed: search.seed, lower: space.lower, upper: space.upper, initialPopulation: space.initialPopulation };
}

/** The run's optimiser: restored from the checkpoint with run.json's budget, or made new; a damaged checkpoint is one line naming it. */
export function restoreOrCreate<T>(runDir: string, saved: Checkpoint | undefined, budget: number, restore: (json: unknown) => T, create: () => T): T {
  try {
    return saved ? restore(withBudget(saved.de, budget)) : create();
  } catch (error) {
    if (error instanceof UserError) throw new UserError(saved ? `${path.join(runDir, CHECKPOINT_FILE)} is damaged: ${error.message}` : error.message);
    throw error;
  }
}
