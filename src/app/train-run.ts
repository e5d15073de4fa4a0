import { loadCulturalBench, type CulturalBenchData } from '../culturalbench/index.ts';
import type { LoadedModel } from '../model/index.ts';
import type { Target } from '../targets/index.ts';
import { frontObjectives, newRunInfo, runDefinition, runFolderName, runLabel, type RunRequest } from '../train/new-run.ts';
import { runFolderPath, type RunDefinition, type RunInfo, type RunResult } from '../train/run-files.ts';
import { planRun, type PlannedRun } from '../train/run-plan.ts';
import { calibrationCacheDir } from '../instruments/vsm13/calibration.ts';
import { train, type TrainCallbacks } from '../train/train.ts';
import { checkWritable } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import type { Settings } from '../util/settings.ts';
import { VERSION } from '../util/version.ts';

/** One run as `train` and the library's train() ask for it, its flags read and its target resolved. */
export interface TrainRequest {
  /** The country as asked (run.json's `country.query`). */
  country: string;
  run: RunRequest;
  target: Target;
  /** The folder for runs, and the run folder's name in it (default: from country, instrument, format, seed). */
  out: string;
  name?: string;
  resume: boolean;
  extendBudget?: boolean;
  /** A multi-objective run (GDE3): the run's instrument and CulturalBench, read from `culturalbenchData` or the cache. */
  objectives?: { instrument: string; culturalbenchData?: string };
}

/** A run ready to train: its folder, its definition, what the folder holds already, and the data it needs. */
export type RunToTrain = { dir: string; definition: RunDefinition; culturalBench?: CulturalBenchData } & PlannedRun;

/** The run folder `<out>/<name>`: the name given, else `<country>[-<label>]-s<seed>` (label: instrument and format unless the defaults). */
export function runFolder(out: string, name: string | undefined, run: RunRequest, target: Target, label = runLabel(run.instrument)): string {
  return runFolderPath(out, name ?? runFolderName(target, run.search.seed, label));
}

/** Every setting and the run folder, checked before the model is loaded and before anything is written. */
export async function planTraining(request: TrainRequest, settings: Settings): Promise<RunToTrain> {
  const { run, target, objectives } = request;
  const dir = runFolder(request.out, request.name, run, target, objectives && `${objectives.instrument}-culturalbench`);
  const definition = runDefinition(request.country, target, run);
  const culturalBench = objectives && (await loadCulturalBench(settings, { dataDir: objectives.culturalbenchData, localFlag: '--culturalbench-data' }));
  if (culturalBench) definition.objectives = frontObjectives(objectives!.instrument, culturalBench, target.country.name, run.search.seed);
  const plan = planRun(
    { dir, definition, extendBudget: request.extendBudget, initTextGiven: run.initTemplate !== undefined, holdoutGiven: run.holdout !== undefined },
    { resume: request.resume },
  );
  if (plan.state !== 'new' && !plan.stored.objectives !== !definition.objectives) {
    throw new UserError(`${dir} holds a ${plan.stored.objectives ? 'multi-objective run: resume it with its --objectives' : 'single-objective run: leave out --objectives to resume it'}`);
  }
  checkWritable(dir, 'folder');
  return { dir, definition, ...plan, ...(culturalBench && { culturalBench }) };
}

/** What run.json records for a planned run on the loaded model: a new run's record, or the stored one. */
export function runInfoFor(run: RunToTrain, model: LoadedModel): RunInfo {
  return run.state === 'new' ? newRunInfo(run.definition, model, VERSION) : run.stored;
}

/**
 * Trains (or resumes, or reads the result of) one planned run: what `train`, `sweep`, `demo`, a queue
 * worker and the library's train() all run. `callbacks` is told the run's record (its budget, say).
 */
export function trainRun(run: RunToTrain, model: LoadedModel, settings: Settings, callbacks: (info: RunInfo) => TrainCallbacks = () => ({})): Promise<RunResult> {
  const info = runInfoFor(run, model);
  return train(run.dir, info, model, { calibrationCacheDir: calibrationCacheDir(settings), ...(run.culturalBench && { culturalBench: run.culturalBench }) }, callbacks(info));
}
