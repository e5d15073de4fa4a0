import { Option, type Command } from 'commander';
import { loadOnDevices, parseDevices, type LoadedModel } from '../model/index.ts';
import { integerAtLeast } from './parsers.ts';
import { displayPath } from '../util/display-path.ts';

export interface ModelFlags {
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

/** The flags every model-using command shares. */
export function addModelOptions(command: Command): Command {
  return command
    .requiredOption('--model <dir>', 'ONNX model folder (optimum / onnx-community or onnxruntime-genai export)')
    .addOption(deviceOption('auto'))
    .addOption(new Option('--threads <n>', 'CPU threads for onnxruntime (0: one per core)').argParser(integerAtLeast(0)));
}

/** Loads the model and tells the user, on stderr, which provider runs it (and why, after a fallback). */
export async function openModel(flags: ModelFlags, quiet = false): Promise<LoadedModel> {
  const model = await loadOnDevices(flags.model, { device: flags.device, threads: flags.threads });
  if (model.notice) process.stderr.write(`cultune: ${model.notice}\n`);
  if (!quiet) process.stderr.write(`cultune: ${displayPath(flags.model)} on ${model.provider} (${model.dtype}, hidden ${model.hidden})\n`);
  return model;
}
