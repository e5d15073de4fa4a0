import type { RngState } from './rng.ts';

/**
 * A GDE3 run as a plain record of numbers and typed arrays, the generator's state included, so a JSON
 * round-trip resumes it exactly. Row-major: member i's vector is population[i * dim .. (i + 1) * dim),
 * its objective values objectives[i * m .. (i + 1) * m) for m objectives.
 */
export interface GDE3State {
  rng: RngState;
  /** True between ask() and tell(): `trials` hold candidates awaiting their objective values. */
  awaitingFitness: boolean;
  /** Completed tell() calls, the initial population's included. */
  generation: number;
  evaluations: number;
  /** Candidates with a NaN or infinite objective (each then counts as +Infinity in every objective). */
  invalidEvaluations: number;
  population: Float32Array;
  /** +Infinity until the population is evaluated. */
  objectives: Float64Array;
  /** The candidates of the current generation (trial i comes from member i); the initial population before the first tell(). */
  trials: Float32Array;
  startedAtMs: number;
}
