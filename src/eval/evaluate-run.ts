import path from 'node:path';
import type { Availability } from '../culturalbench/index.ts';
import { instrumentFromStored, type InstrumentSpec } from '../instruments/index.ts';
import type { Scorer, SoftPrompt } from '../model/types.ts';
import type { Target } from '../targets/index.ts';
import { readRunInfo, readRunPrompt, readTrainingState, type RunInfo } from '../train/run-files.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { evaluateCondition } from './evaluate-condition.ts';
import { evalFileName, type EvalCondition, type EvalRecord, type TrainedTo } from './eval-record.ts';

/** What is evaluated and where the result goes: a run folder's prompt or baseline, or a baseline from flags alone. */
export interface EvalSubject {
  condition: EvalCondition;
  run?: { dir: string; info: RunInfo; prompt?: SoftPrompt; trainedTo: TrainedTo };
  instrument: InstrumentSpec;
  target: Target;
  /** The model folder (or Hub id) to load, and its graph file when the run recorded one. */
  modelDir: string;
  modelFile?: string;
  outDir: string;
}

/** A run folder as a subject, with the run's instrument and settings; reads (and so checks) everything before any model is loaded. */
export function runSubject(dir: string, condition: EvalCondition, overrides: { modelDir?: string; outDir?: string } = {}): EvalSubject {
  const info = readRunInfo(dir);
  // A damaged checkpoint or result is refused here, before the model is loaded, as every reader of the folder does.
  const state = readTrainingState(dir);
  const trainedTo = { generations: state?.history.length ?? 0, finished: state?.finished ?? false };
  return {
    condition,
    run: { dir, info, prompt: condition === 'soft' ? readRunPrompt(dir, info) : undefined, trainedTo },
    instrument: instrumentFromStored(info.instrument),
    target: info.target,
    modelDir: overrides.modelDir ?? info.model.dir,
    modelFile: overrides.modelDir === undefined ? info.model.graphFile : undefined,
    outDir: overrides.outDir ?? dir,
  };
}

export interface EvalOptions {
  culturalBench: Availability;
  /** At most this many CulturalBench questions of Easy and of Hard. */
  limit?: number;
  seed: string;
  bootstrap: number;
  version: string;
  onProgress?: (done: number, total: number) => void;
}

/** Evaluates one subject (what `cultune eval` does) and writes eval-<condition>.json atomically. */
export async function evaluateSubject(
  model: Scorer & { hidden: number; dtype: string },
  subject: EvalSubject,
  options: EvalOptions,
): Promise<{ record: EvalRecord; file: string }> {
  const { run } = subject;
  const record = await evaluateCondition(
    model,
    {
      condition: subject.condition,
      instrument: subject.instrument,
      target: subject.target,
      softPrompt: run?.prompt,
      placement: run?.info.softPrompt.placement ?? 'start',
      culturalBench: options.culturalBench,
      limit: options.limit,
      heldOut: run?.info.objectives?.split,
      holdout: run?.info.holdout,
      seed: options.seed,
      bootstrap: options.bootstrap,
      onProgress: options.onProgress,
    },
    { run: run ? path.basename(path.resolve(run.dir)) : null, modelDir: subject.modelDir, version: options.version },
  );
  if (run?.prompt) record.trainedTo = run.trainedTo;
  const file = path.join(subject.outDir, evalFileName(subject.condition, subject.instrument.format));
  writeJsonAtomic(file, record);
  return { record, file };
}
