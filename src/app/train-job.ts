import fs from 'node:fs';
import type { Settings } from '../util/settings.ts';
import path from 'node:path';
import type { Availability } from '../culturalbench/index.ts';
import { evalFileName } from '../eval/eval-record.ts';
import { type EvalCondition } from '../eval/conditions.ts';
import { CLASSIFY, type SettingFlags } from '../instruments/index.ts';
import type { LoadedModel } from '../model/index.ts';
import { checkNewTokens } from '../model/request-limits.ts';
import type { JobRequest } from '../queue/job-request.ts';
import type { TrainJobResult } from '../queue/jobs.ts';
import { JobNotForThisWorker, JobRejected, type JobControl } from '../queue/worker.ts';
import type { RunDefinition } from '../train/run-files.ts';
import type { SweepRun } from '../train/sweep.ts';
import { UserError } from '../util/errors.ts';
import { evaluateRun } from './evaluate-run.ts';
import { trainRun } from './train-run.ts';

/**
 * One run of a sweep as a job carries it: the country, the instrument with the setting flags the sweep
 * was given (its defaults stay the worker's), the soft prompt and search as the run records them.
 */
export function trainJobRequest(
  country: string,
  definition: Pick<RunDefinition, 'instrument' | 'search' | 'softPrompt' | 'holdout'>,
  settings: SettingFlags,
  target: { fallback: string; targets?: string; allowPartialTarget?: boolean },
): JobRequest {
  const { name, maxNewTokens } = definition.instrument.format ?? CLASSIFY;
  return {
    country,
    instrument: { name: definition.instrument.name, settings: Object.fromEntries(Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined)), format: { name, ...(maxNewTokens !== undefined && { maxNewTokens }) } },
    // The country's own init text: without {country} in it, the worker resolves it to itself.
    softPrompt: { ...definition.softPrompt },
    search: { ...definition.search },
    // The split as the run stores it (0: none), so a worker draws the same one.
    holdout: definition.holdout?.fraction ?? 0,
    target: { fallback: target.fallback, ...(target.targets !== undefined && { targets: target.targets }), ...(target.allowPartialTarget && { allowPartialTarget: true }) },
  };
}

/** A job, checked and planned against its run folder; nothing is loaded or written yet. */
export interface PlannedJob {
  run: SweepRun;
  model: string;
  eval: EvalCondition[];
}

/**
 * A job's --max-new-tokens against the worker's model, as `train` checks it before loading one
 * (model-options.ts): past the context, generation would fail deep in the first generation, and
 * every retry the same way, so the job fails once, in one line.
 */
function checkJobNewTokens(id: string, definition: Pick<RunDefinition, 'instrument'>, model: LoadedModel): void {
  const maxNewTokens = definition.instrument.format?.maxNewTokens;
  if (maxNewTokens === undefined) return;
  try {
    checkNewTokens(maxNewTokens, model.config.maxPositions);
  } catch (error) {
    throw error instanceof UserError ? new JobRejected(`job ${id}: ${error.message}`) : error;
  }
}

/** What a worker holds for all its jobs: the loaded model and where CulturalBench comes from. */
export interface JobContext {
  model: LoadedModel;
  settings: Settings;
  culturalBench: () => Promise<Availability>;
}

/**
 * The queue's job: trains one planned job into its run folder as `train` does (trainRun: resuming from
 * its checkpoint, or returning the finished result), then writes the eval records it asks for that are
 * not there yet. The run folder's lock and checkpoints are train()'s, so a job handed from a dead
 * worker to a live one ends as an uninterrupted run.
 */
export async function runTrainJob(job: PlannedJob, context: JobContext, control: JobControl): Promise<TrainJobResult> {
  const { run } = job;
  const { model } = context;
  if (job.model !== model.sourceHash) {
    throw new JobNotForThisWorker(`job ${path.basename(run.dir)} wants the model with graph hash ${job.model.slice(0, 12)}; this worker has ${model.sourceHash.slice(0, 12)} (--model)`);
  }
  checkJobNewTokens(path.basename(run.dir), run.definition, model);
  const finishedBefore = run.state === 'finished';
  const result = await trainRun(run, model, context.settings, (info) => ({
    interrupted: control.interrupted,
    onGeneration: (record) =>
      control.progress({ generation: record.generation, evaluations: record.evaluations, budget: info.search.budget, bestLoss: record.bestLoss }),
  }));
  for (const condition of job.eval) {
    if (fs.existsSync(path.join(run.dir, evalFileName(condition, run.definition.instrument.format)))) continue;
    await evaluateRun(model, { runDir: run.dir, condition, culturalBench: await context.culturalBench() });
  }
  return { run: path.basename(run.dir), bestLoss: result.best.loss.value, stopReason: result.stopReason, skipped: finishedBefore };
}
