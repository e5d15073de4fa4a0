import { summariseSeeds, type SeedSummary } from '../stats/seeds.ts';
import { UserError } from '../util/errors.ts';
import { checkSameModel, readRunJson, RESULT_FILE, type RunResult } from './run-files.ts';
import { planRun, type PlannedRun, type RunPlanRequest } from './run-plan.ts';

/** One country as the sweep command asks for it: the run it would start. */
export interface SweepRequest extends RunPlanRequest {
  country: string;
}

/** One country of a planned sweep: `new` is trained from the start, `unfinished` resumed, `finished` skipped. */
export type SweepRun = SweepRequest & PlannedRun;

/**
 * Decides, before any model is loaded, what a sweep does per country: a folder that already holds the
 * same run (settings and target) is resumed or skipped; one that holds another run, or two countries
 * that share a folder, are refused. So running the same command again always continues where it stopped.
 */
export function planSweep(requests: readonly SweepRequest[]): SweepRun[] {
  const seen = new Map<string, string>();
  return requests.map((request) => {
    const earlier = seen.get(request.dir);
    if (earlier !== undefined) throw new UserError(`${earlier} and ${request.country} are the same country (both would train into ${request.dir})`);
    seen.set(request.dir, request.country);
    return { ...request, ...planRun(request, { resume: true }) };
  });
}

/** The runs already in the sweep's folders must come from the model now loaded (train() checks again, per run). */
export function checkSweepModel(plan: readonly SweepRun[], sourceHash: string): void {
  for (const run of plan) {
    if (run.state !== 'new') checkSameModel(run.dir, run.stored.model.sourceHash, sourceHash);
  }
}

export interface SweepHooks {
  /** A finished run, not trained again. */
  onSkip(run: SweepRun, result: RunResult): void;
  /** Trains (or resumes) one run to its end. */
  train(run: SweepRun, index: number): Promise<RunResult>;
}

/** Trains the planned runs one after another; each run's own checkpoints make the whole sweep resumable. */
export async function runSweep(plan: readonly SweepRun[], hooks: SweepHooks): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const [index, run] of plan.entries()) {
    const finished = run.state === 'finished' ? readRunJson<RunResult>(run.dir, RESULT_FILE) : undefined;
    if (finished) hooks.onSkip(run, finished);
    results.push(finished ?? (await hooks.train(run, index)));
  }
  return results;
}

/** One country of a sweep over several seeds: its runs' best losses as mean ± sample sd. */
export interface CountryOverSeeds {
  country: string;
  seeds: number[];
  bestLoss: SeedSummary;
}

/** Per country, the best losses of its runs over the seeds (in the plan's order); what `sweep --seeds` prints and its JSON carries. */
export function lossesOverSeeds(plan: readonly SweepRun[], results: readonly RunResult[]): CountryOverSeeds[] {
  const countries = [...new Set(plan.map((run) => run.country))];
  return countries.map((country) => {
    const runs = plan.flatMap((run, i) => (run.country === country ? [{ seed: run.definition.search.seed, loss: results[i].best.loss.value }] : []));
    return { country, seeds: runs.map((r) => r.seed), bestLoss: summariseSeeds(runs.map((r) => r.loss)) };
  });
}
