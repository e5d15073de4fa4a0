import path from 'node:path';
import type { StopReason } from '../de/index.ts';
import type { SoftPrompt } from '../model/types.ts';
import { CANDIDATES_PER_GROUP, type LoadedModel } from '../model/index.ts';
import type { InstrumentResult } from '../instruments/index.ts';
import { UserError } from '../util/errors.ts';
import { CHECKPOINT_FILE, type Checkpoint, type GenerationRecord } from './run-files.ts';
import type { SearchSettings, SearchSpace } from './search-space.ts';

/** What the single- and the multi-objective search share: the generation loop, the scoring pass, callbacks, interruption. */

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

/** The non-finite values among `values`, counted: "4 NaN", "1 Infinity, 3 NaN". */
function countNonFinite(values: readonly number[]): string {
  const counts = new Map<string, number>();
  for (const value of values.filter((v) => !Number.isFinite(v))) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  return [...counts].sort().map(([value, n]) => `${n} ${value}`).join(', ');
}

/**
 * Ends a run whose generation left it without a single finite objective (none in it, none before):
 * DE cannot rank NaN or infinite values, so the rest of the budget would be a blind search ending in
 * the same failure. Raised before that generation's checkpoint, so a new run leaves no folder behind
 * (train.ts, inRunFolder) and a resumed one keeps its last checkpoint. Where the model's own scores are
 * not finite the model is the cause; where they are, the target or constants the loss compares them with.
 */
export function noFiniteObjectiveError(generation: number, objectives: readonly { name: string; values: readonly number[] }[], results: readonly InstrumentResult[]): UserError {
  const what = objectives.map((o) => `${o.name}: ${countNonFinite(o.values) || 'finite'}`).join('; ');
  const scores = [...new Set(results.flatMap((r) => Object.entries(r.scores).filter(([, v]) => !Number.isFinite(v)).map(([name]) => name)))];
  const cause =
    scores.length > 0
      ? `the model's ${scores.join(', ')} scores are not finite, so its outputs are NaN or infinite (a damaged graph, or float16 overflowing: try --dtype fp32)`
      : "the model's scores are finite, so the target or constants in the run's run.json are what overflows";
  return new UserError(`no candidate of generation ${generation} has a finite objective (${what}); ${cause}`);
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

/** The optimiser as the loop drives it (DE and GDE3 alike): a generation asked, until it says why it stops. */
interface Generations {
  readonly generation: number;
  stopReason(): StopReason | null;
  ask(): Float32Array[];
}

/** What one kind of search does in each generation of the loop. */
export interface GenerationStep<S> {
  /** Scores one pass of candidates: their vectors and their prompts, in order. */
  score(vectors: Float32Array[], prompts: SoftPrompt[]): Promise<S[]>;
  /** Tells the optimiser the generation's scores (in candidate order), failing the run if none is usable. */
  tell(scores: S[]): void;
  /** Records the generation (its running time in `seconds`) and writes its files, checkpoint last but for files derived from it. */
  save(seconds: number): { record: GenerationRecord; checkpoint: Checkpoint };
}

/**
 * The search loop both searches run: each generation asked, scored a pass at a time (Ctrl-C polled
 * between passes), told, then saved; `seconds` counts on from the last checkpoint's, so a resumed run's
 * history reads as one run's. Returns why the optimiser stopped.
 */
export async function runGenerations<S>(optimiser: Generations, model: LoadedModel, space: SearchSpace, history: readonly GenerationRecord[], callbacks: TrainCallbacks, step: GenerationStep<S>): Promise<StopReason> {
  let elapsed = history.at(-1)?.seconds ?? 0;
  const perPass = candidatesPerPass(model);
  for (let reason = optimiser.stopReason(); reason === null; reason = optimiser.stopReason()) {
    const started = performance.now();
    const candidates = optimiser.ask();
    const scores: S[] = [];
    for (let first = 0; first < candidates.length; first += perPass) {
      if (callbacks.interrupted?.()) throw new TrainingInterrupted(optimiser.generation);
      const vectors = candidates.slice(first, first + perPass);
      scores.push(...(await step.score(vectors, vectors.map((vector) => space.toPrompt(vector)))));
    }
    step.tell(scores);
    elapsed += (performance.now() - started) / 1000;
    const { record, checkpoint } = step.save(elapsed);
    callbacks.onGeneration?.(record, checkpoint);
  }
  return optimiser.stopReason()!;
}
