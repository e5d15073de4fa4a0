import type { StopCriteria } from './params.ts';

export type StopReason = 'target-fitness' | 'max-evaluations' | 'max-generations' | 'stagnation' | 'wall-clock';

/** The criteria that need no scalar fitness: what a multi-objective run can stop on. */
export type BudgetCriteria = Pick<StopCriteria, 'maxEvaluations' | 'maxGenerations' | 'maxWallMs'>;

export interface BudgetProgress {
  generation: number;
  evaluations: number;
  startedAtMs: number;
}

export interface Progress extends BudgetProgress {
  bestFitness: number;
  lastImprovementGeneration: number;
}

/**
 * Why the run should stop now, or null to go on. The evaluation budget is never exceeded: the run
 * stops when a whole further generation would not fit. `nowMs` comes from the caller, keeping this pure.
 */
export function stopReason(stop: StopCriteria, popSize: number, progress: Progress, nowMs: number): StopReason | null {
  if (stop.targetFitness !== undefined && progress.bestFitness <= stop.targetFitness) return 'target-fitness';
  if (
    stop.stagnationGenerations !== undefined &&
    progress.generation - progress.lastImprovementGeneration >= stop.stagnationGenerations
  ) {
    return 'stagnation';
  }
  return budgetStopReason(stop, popSize, progress, nowMs);
}

export function budgetStopReason(stop: BudgetCriteria, popSize: number, progress: BudgetProgress, nowMs: number): StopReason | null {
  if (stop.maxEvaluations !== undefined && progress.evaluations + popSize > stop.maxEvaluations) return 'max-evaluations';
  if (stop.maxGenerations !== undefined && progress.generation >= stop.maxGenerations) return 'max-generations';
  if (stop.maxWallMs !== undefined && nowMs - progress.startedAtMs >= stop.maxWallMs) return 'wall-clock';
  return null;
}
