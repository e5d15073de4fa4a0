import { Option, type Command } from 'commander';
import { loadOnDevices, parseDevices, resolveModelSource, type LoadedModel, type LoadOptions, type ModelChoice } from '../model/index.ts';
import { readModelConfig } from '../model/model-folder.ts';
import { checkNewTokens } from '../model/request-limits.ts';
import { generates, type FormatSetting } from '../instruments/formats.ts';
import { DTYPE_CHOICES, parseDtype, parsePlan, type PlanRequest } from '../model/execution-plan.ts';
import type { ComputeDtype } from '../model/half-precision.ts';
import { integerAtLeast, positiveNumber } from './parsers.ts';
import { displayPath } from '../util/display-path.ts';
import { preparedCacheDir, type Settings } from '../util/settings.ts';
import { progressReporter } from './progress.ts';

/** How the model runs, beside where (--device): plan, precision, TF32, batch memory. */
export interface RuntimeFlags {
  plan?: PlanRequest;
  dtype?: ComputeDtype;
  tf32?: boolean;
  gpuMemory?: number;
}

export interface ModelFlags extends RuntimeFlags, ModelChoice {
  device: string;
  threads?: number;
}

/** The `--device` option, checked as it is parsed (a bad value fails before anything is loaded). */
export function deviceOption(defaultDevice: 'auto' | 'cpu'): Option {
  return new Option('--device <device>', 'auto, cpu, cuda, cuda:N, webgpu, or a list such as cuda:0,cuda:1 to split populations across devices')
    .default(defaultDevice)
    .argParser((value) => (parseDevices(value), value));
}

/** The execution flags every model-loading command shares (docs/gpu.md). */
export function addRuntimeOptions(command: Command): Command {
  return command
    .addOption(new Option('--plan <plan>', 'execution plan: auto (tree on the CPU, flat on a GPU), tree or flat').argParser((v) => parsePlan(v)))
    .addOption(new Option('--dtype <dtype>', `compute precision: ${DTYPE_CHOICES.join(', ')} (auto: as exported; fp16/bf16 convert an fp32 export)`).argParser((v) => parseDtype(v)))
    .option('--tf32', 'let CUDA compute fp32 matrix products in TF32 (faster; default: exact fp32)')
    .addOption(new Option('--gpu-memory <GiB>', "memory the flat plan's batches may use (default: 60% of the GPU's free memory)").argParser(positiveNumber));
}

/**
 * The flags every model-using command shares: --model (a folder or a Hub id, with --revision,
 * --model-variant and --model-file: docs/hub.md), --device, --threads and the runtime flags.
 * `model: 'optional'` where a run folder names its model (eval), `none` where the command brings its
 * own (demo); `device` sets the default device. --model-variant picks a file to download; --dtype
 * converts whatever graph is loaded.
 */
export function addModelOptions(command: Command, options: { model?: 'required' | 'optional' | 'none'; modelHelp?: string; device?: 'auto' | 'cpu' } = {}): Command {
  const help = options.modelHelp ?? 'ONNX model folder, or a Hugging Face Hub id (e.g. HuggingFaceTB/SmolLM2-135M-Instruct) downloaded into the Hub cache';
  const model = options.model ?? 'required';
  if (model !== 'none') {
    command
      .addOption(new Option('--model <dir-or-id>', help).makeOptionMandatory(model === 'required'))
      .option('--revision <rev>', 'Hub ids: branch, tag or commit (default main)')
      .option('--model-variant <name>', 'Hub ids: the graph file to download, fp32 (onnx/model.onnx, default) or fp16 (onnx/model_fp16.onnx)')
      .option('--model-file <path>', 'the graph file inside the folder or repository, e.g. onnx/model_fp16.onnx (overrides --model-variant)');
  }
  return addRuntimeOptions(
    command
      .addOption(deviceOption(options.device ?? 'auto'))
      .addOption(new Option('--threads <n>', 'CPU threads for onnxruntime (0: one per core)').argParser(integerAtLeast(0))),
  );
}

export function runtimeOptions(flags: RuntimeFlags): Pick<LoadOptions, 'plan' | 'dtype' | 'tf32' | 'batchMemory'> {
  return { plan: flags.plan, dtype: flags.dtype, tf32: flags.tf32, batchMemory: flags.gpuMemory === undefined ? undefined : flags.gpuMemory * 2 ** 30 };
}

const MB = 1e6;

/** What the work needs of the model, beyond its flags. */
export interface ModelNeeds {
  /**
   * How questions are put. A generating one (--format cot|scenario) decodes on the tree plan's KV cache,
   * so --plan auto picks the tree on every device, and its new tokens must fit the model's context.
   */
  format?: FormatSetting;
}

/** The plan to ask for: the one given, except that `auto` means the tree for work that generates text. */
export function planRequestForWork(plan: PlanRequest | undefined, needs: ModelNeeds): PlanRequest | undefined {
  return needs.format && generates(needs.format) && (plan === undefined || plan === 'auto') ? 'tree' : plan;
}

/** Where a model load reports: one-line messages, and a download's bytes (a Hub id's missing files). */
export interface LoadReport {
  say(line: string): void;
  onDownloadStart?(missing: { files: number; bytes: number }): void;
  onDownloadBytes?(bytes: number): void;
  onDownloadEnd?(): void;
}

/**
 * Resolves the model (downloading a Hub id's missing files), checks what the work needs of it, and
 * loads it; what it has to tell goes to `report` (the CLI prints it, the library routes it to its notices).
 */
export async function loadModelReporting(flags: ModelFlags, settings: Settings, needs: ModelNeeds, report: LoadReport): Promise<{ model: LoadedModel; name: string }> {
  const source = await resolveModelSource(flags, settings, { onStart: (missing) => report.onDownloadStart?.(missing), onBytes: (bytes) => report.onDownloadBytes?.(bytes), onEnd: () => report.onDownloadEnd?.() });
  if (source.notice) report.say(source.notice);
  // Checked on config.json before the graph loads: a cap past the context fails only after loading otherwise.
  if (needs.format?.maxNewTokens !== undefined) checkNewTokens(needs.format.maxNewTokens, readModelConfig(source.dir).config.maxPositions);
  const runtime = { ...runtimeOptions(flags), plan: planRequestForWork(flags.plan, needs) };
  const model = await loadOnDevices(source.dir, { device: flags.device, threads: flags.threads, graphFile: source.graphFile, origin: source.origin, cacheDir: preparedCacheDir(settings), ...runtime });
  if (model.notice) report.say(model.notice);
  const name = source.origin ? `${source.origin.repoId}@${source.origin.commit.slice(0, 12)}` : displayPath(flags.model);
  return { model, name };
}

/**
 * The one model opener: downloads a Hub id's files first (with a progress bar), loads the model and
 * tells the user, on stderr, which provider and plan run it (and why, after a fallback).
 */
export async function openModel(flags: ModelFlags, settings: Settings, quiet = false, needs: ModelNeeds = {}): Promise<LoadedModel> {
  const bar = progressReporter(`downloading ${flags.model} (MB)`);
  let done = 0;
  let total = 0;
  const { model, name } = await loadModelReporting(flags, settings, needs, {
    say: (line) => process.stderr.write(`cultune: ${line}\n`),
    onDownloadStart: (missing) => {
      total = missing.bytes;
      process.stderr.write(`cultune: downloading ${missing.files} file(s) of ${flags.model}, ${(missing.bytes / MB).toFixed(1)} MB, into the Hub cache\n`);
    },
    onDownloadBytes: (bytes) => {
      done += bytes;
      bar.update(Math.round(done / MB), Math.round(total / MB));
    },
    onDownloadEnd: () => bar.stop(),
  });
  if (!quiet) process.stderr.write(`cultune: ${name} on ${model.provider}, ${model.plan} plan (${model.precision}, hidden ${model.hidden})\n`);
  return model;
}
