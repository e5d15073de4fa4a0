import { Option, type Command } from 'commander';
import { loadOnDevices, parseDevices, type LoadedModel, type LoadOptions } from '../model/index.ts';
import { DTYPE_CHOICES, parseDtype, parsePlan, type PlanRequest } from '../model/execution-plan.ts';
import type { ComputeDtype } from '../model/half-precision.ts';
import { integerAtLeast, positiveNumber } from './parsers.ts';
import { displayPath } from '../util/display-path.ts';

/** How the model runs, beside where (--device): plan, precision, TF32, batch memory. */
export interface RuntimeFlags {
  plan?: PlanRequest;
  dtype?: ComputeDtype;
  tf32?: boolean;
  gpuMemory?: number;
}

export interface ModelFlags extends RuntimeFlags {
  model: string;
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
 * The flags every model-using command shares: --model, --device, --threads and the runtime flags.
 * `model: 'optional'` where a run folder names its model (eval), `none` where the command brings its
 * own (demo); `device` sets the default device.
 */
export function addModelOptions(command: Command, options: { model?: 'required' | 'optional' | 'none'; modelHelp?: string; device?: 'auto' | 'cpu' } = {}): Command {
  const help = options.modelHelp ?? 'ONNX model folder (optimum / onnx-community or onnxruntime-genai export)';
  const model = options.model ?? 'required';
  if (model === 'required') command.requiredOption('--model <dir>', help);
  else if (model === 'optional') command.option('--model <dir>', help);
  return addRuntimeOptions(
    command
      .addOption(deviceOption(options.device ?? 'auto'))
      .addOption(new Option('--threads <n>', 'CPU threads for onnxruntime (0: one per core)').argParser(integerAtLeast(0))),
  );
}

export function runtimeOptions(flags: RuntimeFlags): Pick<LoadOptions, 'plan' | 'dtype' | 'tf32' | 'batchMemory'> {
  return { plan: flags.plan, dtype: flags.dtype, tf32: flags.tf32, batchMemory: flags.gpuMemory === undefined ? undefined : flags.gpuMemory * 2 ** 30 };
}

/** The one model opener: loads the model and tells the user, on stderr, which provider and plan run it (and why, after a fallback). */
export async function openModel(flags: ModelFlags, quiet = false): Promise<LoadedModel> {
  const model = await loadOnDevices(flags.model, { device: flags.device, threads: flags.threads, ...runtimeOptions(flags) });
  if (model.notice) process.stderr.write(`cultune: ${model.notice}\n`);
  if (!quiet) process.stderr.write(`cultune: ${displayPath(flags.model)} on ${model.provider}, ${model.plan} plan (${model.precision}, hidden ${model.hidden})\n`);
  return model;
}
