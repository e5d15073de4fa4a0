import path from 'node:path';
import { type Command } from 'commander';
import type { EvalRecord } from '../../eval/eval-record.ts';
import { fixed } from '../../report/format.ts';
import { runDemo } from '../../app/demo.ts';
import { TrainingInterrupted } from '../../train/train.ts';
import { UserError } from '../../util/errors.ts';
import { formatSetting, type FormatFlags } from '../../instruments/index.ts';
import { addFormatOptions } from '../instrument-options.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { readSettings } from '../../util/settings.ts';
import { progressReporter } from '../progress.ts';
import { trainWithProgress } from '../training-progress.ts';
import { nonEmptyPath } from '../parsers.ts';

interface DemoFlags extends Omit<ModelFlags, 'model'>, FormatFlags {
  out: string;
  country: string;
  culturalbenchData?: string;
  download: boolean;
}

function describeEval(record: EvalRecord): string {
  const cb = record.culturalbench;
  const accuracy = cb.available ? `, CulturalBench ${cb.country} Easy ${fixed(cb.easy.mean.value, 3)} / Hard ${fixed(cb.hard.value, 3)} (${cb.questions.easy} + ${cb.questions.hard} questions)` : '';
  // A run with a held-out split: the held-out loss, the training part's beside it and named as such.
  const loss = record.inSample ? `${fixed(record.result.loss.value, 3)} held-out (${fixed(record.inSample.loss.value, 3)} in-sample)` : fixed(record.result.loss.value, 3);
  return `${record.result.instrument} loss ${loss}${accuracy}`;
}

export function register(program: Command): void {
  const command = program
    .command('demo')
    .description('The whole path on the embedded default model: train one country briefly, evaluate the prompt and the baselines, export, report')
    .option('--out <dir>', 'where the demo run and its report go', nonEmptyPath, path.join('checkpoints', 'demo'))
    .option('--country <country>', 'country to align to', 'SA')
    .option('--culturalbench-data <dir>', 'local CulturalBench copies (default: the cache, downloading if needed)')
    .option('--no-download', 'use the CulturalBench cache only');
  // The embedded model is the model: --device and --threads only.
  addModelOptions(command, { model: 'none', device: 'cpu' });
  addFormatOptions(command);
  command.action(async (flags: DemoFlags) => {
    const settings = readSettings();
    try {
      await runDemo(
        { out: flags.out, country: flags.country, culturalbenchData: flags.culturalbenchData, download: flags.download, settings, format: formatSetting(flags) },
        {
          openModel: (dir) => openModel({ ...flags, model: dir }, settings, true, { format: formatSetting(flags) }),
          train: (run, model) => trainWithProgress(run, model, settings, false),
          progress: (label) => progressReporter(label, 1),
          say: (line) => process.stderr.write(`${line}\n`),
          describeEval,
        },
      );
    } catch (error) {
      if (error instanceof TrainingInterrupted) throw new UserError(`${error.message}: run the demo again to continue`, 130);
      throw error;
    }
  });
}
