import { Option, type Command } from 'commander';
import { loadModel, type LlamaModel } from '../model/index.ts';
import { parseDevice } from '../model/session.ts';
import { integerAtLeast } from './parsers.ts';
import { displayPath } from '../util/display-path.ts';

export interface ModelFlags {
  model: string;
  device: string;
  threads?: number;
}

/** The flags every model-using command shares. */
export function addModelOptions(command: Command): Command {
  return command
    .requiredOption('--model <dir>', 'ONNX model folder (optimum / onnx-community or onnxruntime-genai export)')
    .addOption(new Option('--device <device>', 'auto, cpu, cuda or cuda:N').default('auto').argParser((v) => parseDevice(v)))
    .addOption(new Option('--threads <n>', 'CPU threads for onnxruntime (0: one per core)').argParser(integerAtLeast(0)));
}

/** Loads the model and tells the user, on stderr, which provider runs it (and why, after a fallback). */
export async function openModel(flags: ModelFlags, quiet = false): Promise<LlamaModel> {
  const model = await loadModel(flags.model, { device: flags.device, threads: flags.threads });
  if (model.notice) process.stderr.write(`cultune: ${model.notice}\n`);
  if (!quiet) process.stderr.write(`cultune: ${displayPath(flags.model)} on ${model.provider} (${model.dtype}, hidden ${model.hidden})\n`);
  return model;
}
