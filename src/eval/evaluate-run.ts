import path from 'node:path';
import type { EvalTask } from './tasks.ts';
import type { Availability } from '../culturalbench/index.ts';
import { instrumentFromStored, storedInstrument, type InstrumentSpec } from '../instruments/index.ts';
import type { Scorer, SoftPrompt } from '../model/types.ts';
import type { DiscaPlan } from '../instruments/multitp/disca/index.ts';
import type { Target } from '../targets/index.ts';
import { readRunInfo, readRunPrompt, readTrainingState, type RunInfo } from '../train/run-files.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { evaluateCondition, evaluateCulturalBenchOnly, type EvaluationPlan } from './evaluate-condition.ts';
import { evalFileName, type ProgramSettings, type AnyEvalRecord, type CulturalBenchOnlyRecord, type EvalRecord, type TrainedTo } from './eval-record.ts';
import { usesSoftPrompt, type EvalCondition } from './conditions.ts';
import { lmEvalResults, resultsFileName } from './lm-eval-results.ts';
import { sampleLog } from './sample-log.ts';

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
    run: { dir, info, prompt: usesSoftPrompt(condition) ? readRunPrompt(dir, info) : undefined, trainedTo },
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
  /** Write every request as asked beside the eval file (samples-<condition>-<part>.jsonl). */
  logSamples?: boolean;
  /** The DISCA panel and parameters, for the disca and soft+disca conditions. */
  disca?: DiscaPlan;
  /** The program's instruction, for the programmed conditions. */
  program?: ProgramSettings;
  /** Registered tasks asked beside the instrument. */
  tasks?: readonly EvalTask[];
  onProgress?: (done: number, total: number) => void;
}

/** What an evaluation wrote: the record, its eval file, and every file written (eval, results, samples). */
export interface Evaluated<R extends AnyEvalRecord> {
  record: R;
  file: string;
  files: string[];
}

/** Evaluates one subject (what `cultune eval` does): its instrument and CulturalBench; writes eval-<condition>.json atomically. */
export function evaluateSubject(model: Scorer & { hidden: number; dtype: string }, subject: EvalSubject, options: EvalOptions): Promise<Evaluated<EvalRecord>> {
  return evaluateWith(evaluateCondition, model, subject, options);
}

/** CulturalBench alone for a subject (`eval --instruments culturalbench`): the record without the instrument's part. */
export function evaluateSubjectCulturalBench(model: Scorer & { hidden: number; dtype: string }, subject: EvalSubject, options: EvalOptions): Promise<Evaluated<CulturalBenchOnlyRecord>> {
  return evaluateWith(evaluateCulturalBenchOnly, model, subject, options);
}

type Evaluate<R> = (model: Scorer & { hidden: number; dtype: string }, plan: EvaluationPlan, identity: { run: string | null; modelDir: string; version: string }) => Promise<R>;

/** The plan of one subject, evaluated; the record, its results JSON (lm-evaluation-harness's layout) and any samples written beside each other. */
async function evaluateWith<R extends AnyEvalRecord>(evaluate: Evaluate<R>, model: Scorer & { hidden: number; dtype: string }, subject: EvalSubject, options: EvalOptions): Promise<Evaluated<R>> {
  const { run } = subject;
  const samples = options.logSamples ? sampleLog(subject.condition, storedInstrument(subject.instrument)) : undefined;
  const record = await evaluate(
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
      disca: options.disca,
      program: options.program,
      tasks: options.tasks,
      samples: samples?.sink,
      onProgress: options.onProgress,
    },
    { run: run ? path.basename(path.resolve(run.dir)) : null, modelDir: subject.modelDir, version: options.version },
  );
  if (run?.prompt) record.trainedTo = run.trainedTo;
  const file = path.join(subject.outDir, evalFileName(subject.condition, subject.instrument.format));
  const results = path.join(subject.outDir, resultsFileName(record));
  writeJsonAtomic(file, record);
  writeJsonAtomic(results, lmEvalResults(record));
  return { record, file, files: [file, results, ...(samples?.write(subject.outDir) ?? [])] };
}
