/**
 * cultune as a library: load a model, train a soft prompt for a country, evaluate the run and export it
 * as a PEFT adapter, from a program instead of the command line (docs/library.md).
 *
 * A thin facade: every function runs the code the matching command runs (train, eval, export) with the
 * same defaults and checks, but prints nothing and never exits the process. Bad input throws a
 * UserError with the command's one-line message; one-line notices (constants fitted, a cache repaired)
 * go to the sink set with setNoticeSink (dropped by default).
 */
import { Command, CommanderError } from 'commander';
import { tryLoadCulturalBench } from './culturalbench/index.ts';
import { addTrainOnlyOptions, addTrainingOptions, trainRequest, type TrainFlags } from './cli/commands/train.ts';
import { evaluateRun } from './app/evaluate-run.ts';
import { planTraining, trainRun } from './app/train-run.ts';
import { addTargetOptions } from './cli/commands/targets.ts';
import { loadModelReporting, type ModelFlags } from './cli/model-options.ts';
import { VERSION } from './util/version.ts';
import type { EvalRecord } from './eval/eval-record.ts';
import type { EvalCondition } from './eval/conditions.ts';
import type { LoadedModel } from './model/index.ts';
import { exportRun, type ExportOptions } from './train/export.ts';
import type { RunResult } from './train/run-files.ts';
import type { TrainCallbacks } from './train/train.ts';
import { UserError } from './util/errors.ts';
import { notice } from './util/notices.ts';
import { readSettings } from './util/settings.ts';

export { setNoticeSink } from './util/notices.ts';
export { UserError } from './util/errors.ts';
export type { LoadedModel } from './model/index.ts';
export type { EvalRecord } from './eval/eval-record.ts';
export type { EvalCondition } from './eval/conditions.ts';
export type { GenerationRecord, RunInfo, RunResult } from './train/run-files.ts';
export { VERSION };

/** Where and how the model runs: `cultune train --model … --device …` and the runtime flags (docs/gpu.md). */
export interface LoadModelOptions {
  /** An ONNX model folder, or a Hugging Face Hub id (downloaded into the Hub cache). */
  model: string;
  /** auto, cpu, cuda, cuda:N, webgpu, or a list such as cuda:0,cuda:1 (default cpu). */
  device?: string;
  /** CPU threads for onnxruntime (0: one per core). */
  threads?: number;
  revision?: string;
  modelVariant?: string;
  modelFile?: string;
  plan?: ModelFlags['plan'];
  dtype?: ModelFlags['dtype'];
  tf32?: boolean;
  /** GiB the flat plan's batches may use. */
  gpuMemory?: number;
}

/** Loads a model as every command does (model-options.ts), with the environment's settings. Call `dispose()` on it when done. */
export async function loadModel(options: LoadModelOptions): Promise<LoadedModel> {
  const { model } = await loadModelReporting({ ...options, device: options.device ?? 'cpu' }, readSettings(), {}, { say: notice });
  return model;
}

/**
 * A training run: the flags of `cultune train` as camelCase fields (k, space, dim, init, initFrom,
 * strategy, pop, budget, seed, instrument, variants, out, name, resume, …; docs/commands.md). Numbers
 * may be given as numbers; left out, each takes the command's default.
 */
export interface TrainOptions {
  country: string;
  /** Folder for runs (default `checkpoints`); the run goes in `out/name`. */
  out?: string;
  name?: string;
  resume?: boolean;
  k?: number;
  space?: 'full' | 'subspace';
  dim?: number;
  init?: 'text' | 'vocab' | 'random';
  initText?: string;
  /** A PEFT prompt-tuning adapter, a cultune export or a run folder whose prompt starts the run. */
  initFrom?: string;
  strategy?: string;
  pop?: number;
  budget?: number;
  generations?: number;
  stagnation?: number;
  seed?: number;
  placement?: 'start' | 'after-bos';
  holdout?: number;
  extendBudget?: boolean;
  allowPartialTarget?: boolean;
  instrument?: string;
  /** Any other `train` flag by its camelCase name (e.g. variants: '1', constants: 'PDI=20'). */
  [flag: string]: string | number | boolean | undefined;
}

export interface TrainCallbacksOptions {
  /** Called after every generation (its checkpoint is written by then). */
  onGeneration?: TrainCallbacks['onGeneration'];
  /** Polled between candidates: true stops the run after the last checkpoint (throws TrainingInterrupted). */
  interrupted?: () => boolean;
}

export { TrainingInterrupted } from './train/train.ts';

/** `--k 4`-style arguments from an options object, for the command's own parsers. */
function flagArgs(options: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    args.push(...(value === true ? [flag] : [flag, String(value)]));
  }
  return args;
}

/**
 * The options checked and completed by the very parsers and defaults of `cultune train` (as a queued
 * job's flags are: cli/train-job.ts), so the library accepts exactly what the command does.
 */
function trainFlags(options: TrainOptions): TrainFlags {
  const parser = addTrainOnlyOptions(addTrainingOptions(addTargetOptions(new Command('train'))))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    return parser.parse(flagArgs(options), { from: 'user' }).opts<TrainFlags>();
  } catch (error) {
    if (error instanceof CommanderError) throw new UserError(`train: ${error.message.replace(/^error: /, '')}`);
    throw error;
  }
}

/** What a finished training run left: its folder and result (result.json). */
export interface TrainOutcome {
  runDir: string;
  result: RunResult;
}

/**
 * Trains (or, with `resume`, continues) one run on a loaded model: `cultune train` without the model
 * loading and the progress output. Checkpoints every generation in `out/name`.
 */
export async function train(model: LoadedModel, options: TrainOptions, callbacks: TrainCallbacksOptions = {}): Promise<TrainOutcome> {
  const settings = readSettings();
  const run = await planTraining(await trainRequest(trainFlags(options), settings, true), settings);
  const result = await trainRun(run, model, settings, () => ({ ...callbacks, onNotice: notice }));
  return { runDir: run.dir, result };
}

export interface EvaluateOptions {
  /** none (the bare model), persona (the persona sentence) or soft (the run's prompt; default). */
  condition?: EvalCondition;
  /** A local CulturalBench copy (the folder `cultune culturalbench --data` takes); default the cache. */
  culturalBenchData?: string;
  /** false: never download CulturalBench (default true); without it, the record holds the instrument alone. */
  download?: boolean;
  /** At most this many CulturalBench questions of Easy and of Hard. */
  limit?: number;
  /** Seed of the bootstrap intervals (default '0'). */
  seed?: string;
  /** Bootstrap resamples (default 1000). */
  bootstrap?: number;
  logSamples?: boolean;
}

/** What `evaluate` wrote: the record and the files (eval-<condition>.json, the results JSON, samples). */
export interface EvaluateOutcome {
  record: EvalRecord;
  file: string;
  files: string[];
}

/** Evaluates a run folder on a loaded model, as `cultune eval RUN --conditions <condition>` does, writing beside the run. */
export async function evaluate(model: LoadedModel, runDir: string, options: EvaluateOptions = {}): Promise<EvaluateOutcome> {
  const culturalBench = await tryLoadCulturalBench(readSettings(), { dataDir: options.culturalBenchData, download: options.download });
  return evaluateRun(model, {
    runDir,
    condition: options.condition ?? 'soft',
    culturalBench,
    limit: options.limit,
    seed: options.seed,
    bootstrap: options.bootstrap,
    logSamples: options.logSamples,
  });
}

export type ExportPeftOptions = ExportOptions;

/**
 * Writes a run's best prompt as a PEFT prompt-tuning adapter (adapter_model.safetensors,
 * adapter_config.json, cultune_metadata.json) in `outDir`, as `cultune export RUN --format peft` does.
 * Returns the files written.
 */
export function exportPeft(runDir: string, outDir: string, options: ExportPeftOptions = {}): string[] {
  const { files, notices } = exportRun(runDir, 'peft', outDir, options);
  notices.forEach(notice);
  return files;
}
