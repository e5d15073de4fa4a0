import type { RunState } from './state.ts';

/**
 * A GDE3 run: the common run record plus each member's objective values, row-major: member i's are
 * objectives[i * m .. (i + 1) * m) for m objectives. A candidate with any NaN or infinite objective
 * counts as invalid and as +Infinity in every objective.
 */
export interface GDE3State extends RunState {
  /** +Infinity until the population is evaluated. */
  objectives: Float64Array;
}
