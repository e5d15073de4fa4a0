import { Option, type Command } from 'commander';
import { tryLoadCulturalBench } from '../../culturalbench/index.ts';
import type { EvalCondition } from '../../report/eval-record.ts';
import { formatEvalRecord } from '../../report/eval-table.ts';
import { evaluateSubject, runSubject, type EvalSubject } from '../../report/evaluate-run.ts';
import { UserError } from '../../util/errors.ts';
import { checkWritable } from '../../util/atomic.ts';
import { addRuntimeOptions, deviceOption, openModel, type RuntimeFlags } from '../model-options.ts';
import { progressReporter } from '../progress.ts';
import { VERSION } from '../version.ts';
import { addTargetOptions, targetFromFlags, type TargetFlags } from './targets.ts';
import { integerAtLeast } from '../parsers.ts';

interface EvalFlags extends TargetFlags, RuntimeFlags {
  baseline?: 'none' | 'persona';
  model?: string;
  device: string;
  threads?: number;
  out?: string;
  data?: string;
  download: boolean;
  limit?: number;
  variants?: number;
  seed: string;
  bootstrap: number;
  json?: boolean;
}


function subjectOf(runDir: string | undefined, flags: EvalFlags): EvalSubject {
  const condition: EvalCondition = flags.baseline ?? 'soft';
  if (runDir !== undefined) {
    if (flags.country !== undefined || flags.targets !== undefined || flags.target !== undefined) {
      throw new UserError(`--country, --targets and --target are for a baseline without a run folder; ${runDir} has its own target`);
    }
    return runSubject(runDir, condition, { modelDir: flags.model, outDir: flags.out });
  }
  if (!flags.baseline) throw new UserError('give a run folder (cultune eval RUN), or --baseline none|persona with --model, --country and --out');
  const target = targetFromFlags(flags);
  if (!flags.model || !target || !flags.out) throw new UserError('a baseline without a run folder needs --model DIR, --country X and --out DIR');
  return { condition, target, modelDir: flags.model, outDir: flags.out };
}

async function runEval(runDir: string | undefined, flags: EvalFlags): Promise<void> {
  // Everything a user can get wrong is checked before the model is loaded.
  const subject = subjectOf(runDir, flags);
  checkWritable(subject.outDir, 'folder');
  const model = await openModel({ ...flags, model: subject.modelDir }, flags.json === true);
  const culturalBench = await tryLoadCulturalBench({ dataDir: flags.data, download: flags.download });
  if (!culturalBench.available) process.stderr.write(`cultune: ${culturalBench.reason}; VSM13 only\n`);
  const progress = progressReporter('eval', 1);
  try {
    const { record, file } = await evaluateSubject(model, subject, {
      culturalBench,
      limit: flags.limit,
      variants: flags.variants,
      seed: flags.seed,
      bootstrap: flags.bootstrap,
      version: VERSION,
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.stop();
    if (flags.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    else process.stdout.write(`${formatEvalRecord(record).join('\n')}\nwrote ${file}\n`);
  } finally {
    progress.stop();
    await model.dispose();
  }
}

export function register(program: Command): void {
  addRuntimeOptions(addTargetOptions(
    program
      .command('eval')
      .description("VSM13 (six dimensions, loss against the run's target) and CulturalBench Easy/Hard for a run's soft prompt or a baseline; writes eval-<condition>.json")
      .argument('[run]', 'run folder written by cultune train (holds run.json and prompt.json)'),
  ))
    .addOption(new Option('--baseline <kind>', "evaluate a baseline for the run's country instead of its prompt").choices(['none', 'persona']))
    .option('--model <dir>', "ONNX model folder (default: the run's model)")
    .addOption(deviceOption('auto'))
    .addOption(new Option('--threads <n>', 'CPU threads for onnxruntime (0: one per core)').argParser(integerAtLeast(0)))
    .option('--out <dir>', 'where eval-<condition>.json goes (default: the run folder; required without one)')
    .option('--data <dir>', 'local copies of the CulturalBench CSV files (default: the cache, downloading if needed)')
    .option('--no-download', 'use the CulturalBench cache only')
    .option('--limit <n>', 'at most n CulturalBench questions of Easy and of Hard', integerAtLeast(1))
    .option('--variants <n>', "VSM 2013 respondent variants (default: the run's, else 4)", integerAtLeast(1))
    .option('--seed <seed>', 'seed of the bootstrap intervals', '0')
    .option('--bootstrap <n>', 'bootstrap resamples', integerAtLeast(1), 1000)
    .option('--json', 'print the JSON record instead of the table')
    .action((run: string | undefined, flags: EvalFlags) => runEval(run, flags));
}
