import type { GenerationRecord } from './run-files.ts';

export interface RunEstimate {
  /** Seconds per candidate evaluation, measured on the generation just finished. */
  secondsPerCandidate: number;
  /** The whole budget at that rate, and what is left of it. */
  totalSeconds: number;
  remainingSeconds: number;
}

/**
 * The run's duration at the rate of its latest generation: budget x seconds per candidate. `previous` is
 * the record before it (undefined for a run's first generation), so a resumed run measures its own
 * first generation, not the time spent before the interruption.
 */
export function estimateRun(record: GenerationRecord, previous: GenerationRecord | undefined, budget: number): RunEstimate {
  const evaluations = record.evaluations - (previous?.evaluations ?? 0);
  const secondsPerCandidate = (record.seconds - (previous?.seconds ?? 0)) / Math.max(evaluations, 1);
  return {
    secondsPerCandidate,
    totalSeconds: budget * secondsPerCandidate,
    remainingSeconds: Math.max(0, budget - record.evaluations) * secondsPerCandidate,
  };
}
