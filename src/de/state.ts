import type { ControlMemory } from './adaptation.ts';
import type { Archive } from './archive.ts';
import type { RngState } from '../util/seeded-random.ts';

/**
 * What every ask/tell run records, single- or multi-objective, as a plain record of numbers and typed
 * arrays (no closures): the generator's state included, so a JSON round-trip resumes it exactly.
 * Row-major: member i of the population occupies population[i * dim .. (i + 1) * dim).
 */
export interface RunState {
  rng: RngState;
  /** True between ask() and tell(): `trials` hold candidates awaiting their fitness. */
  awaitingFitness: boolean;
  /** Completed tell() calls, the initial population's included. */
  generation: number;
  evaluations: number;
  /** Candidates whose fitness was NaN or infinite (each treated as the worst possible). */
  invalidEvaluations: number;
  population: Float32Array;
  /** The candidates of the current generation (trial i comes from member i); the initial population before the first tell(). */
  trials: Float32Array;
  startedAtMs: number;
}

/** Everything a single-objective run has learnt. */
export interface DEState extends RunState {
  /** +Infinity until the population is evaluated. */
  fitness: Float64Array;
  trialF: Float64Array;
  trialCR: Float64Array;
  archive: Archive;
  memory: ControlMemory;
  bestVector: Float32Array;
  bestFitness: number;
  lastImprovementGeneration: number;
}
