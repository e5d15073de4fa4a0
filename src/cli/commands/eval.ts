import { Option, type Command } from 'commander';
import { tryLoadCulturalBench } from '../../culturalbench/index.ts';
import type { EvalCondition } from '../../eval/eval-record.ts';
import { evaluateSubject, runSubject, type EvalSubject } from '../../eval/evaluate-run.ts';
import { evaluateFront } from '../../eval/front-eval.ts';
import { FRONT_FILE, readFront, readRunInfo } from '../../train/run-files.ts';
import { formatEvalRecord } from '../../report/eval-table.ts';
import { comparisonLine } from '../../report/statistics-tables.ts';
import { comparisonsInFolder } from '../../eval/condition-comparisons.ts';
import { instrumentFromStored, storedInstrument } from '../../instruments/index.ts';
import { calibratedSpec } from '../../instruments/vsm13/calibration.ts';
import { checkWritable } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { addInstrumentOptions, instrumentFromFlags, loadInstrumentData, settingFlags, type InstrumentFlags } from '../instrument-options.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { addCulturalBenchSamplingOptions, type CulturalBenchSamplingFlags } from '../culturalbench-options.ts';
import { progressReporter } from '../progress.ts';
import { VERSION } from '../version.ts';
import { addTargetOptions, targetFromFlags, type TargetFlags } from './targets.ts';
import { nonEmptyPath } from '../parsers.ts';

interface EvalFlags extends TargetFlags, InstrumentFlags, Omit<ModelFlags, 'model'>, CulturalBenchSamplingFlags {
  baseline?: 'none' | 'persona';
  model?: string;
  out?: string;
  data?: string;
  download: boolean;
  json?: boolean;
  front?: boolean;
  compare?: string[];
}

/** `eval RUN --front`: every member of a multi-objective run's front, the baselines and --compare runs, on held-out questions. */
async function runFrontEval(runDir: string | undefined, flags: EvalFlags): Promise<void> {
  if (runDir === undefined) throw new UserError('--front needs a run folder trained with --objectives');
  if (flags.baseline !== undefined) throw new UserError('--front evaluates the baselines itself; leave out --baseline');
  const info = readRunInfo(runDir);
  // A damaged front.json is named before the model loads.
  if (info.objectives && !readFront(runDir)) throw new UserError(`${runDir} is a multi-objective run without its ${FRONT_FILE}, which its first generation writes: train it first`);
  const culturalBench = await tryLoadCulturalBench({ dataDir: flags.data, download: flags.download });
  const model = await openModel({ model: flags.model ?? info.model.dir, device: flags.device, threads: flags.threads }, flags.json === true);
  const progress = progressReporter('eval front', 1);
  try {
    const { record, file } = await evaluateFront(model, runDir, {
      culturalBench, seed: flags.seed, bootstrap: flags.bootstrap, version: VERSION, compare: flags.compare,
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.stop();
    if (flags.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    else {
      for (const p of record.points) process.stdout.write(`${p.label.padEnd(10)} loss ${p.loss.toFixed(3)}  held-out Easy ${p.heldOut.value?.toFixed(3)}${p.chosen ? '  (chosen)' : ''}\n`);
      process.stdout.write(`wrote ${file}\n`);
    }
  } finally {
    progress.stop();
    await model.dispose();
  }
}

async function subjectOf(runDir: string | undefined, flags: EvalFlags): Promise<EvalSubject> {
  const condition: EvalCondition = flags.baseline ?? 'soft';
  if (runDir !== undefined) {
    if (flags.country !== undefined || flags.targets !== undefined || flags.target !== undefined) {
      throw new UserError(`--country, --targets and --target are for a baseline without a run folder; ${runDir} has its own target`);
    }
    const subject = runSubject(runDir, condition, { modelDir: flags.model, outDir: flags.out });
    if (flags.instrument !== undefined && flags.instrument !== subject.instrument.instrument.name) {
      throw new UserError(`${runDir} was trained on ${subject.instrument.instrument.name}; --instrument is for a baseline without a run folder`);
    }
    // The run's own settings (scale, loss) and format, so the baselines compare with its training loss; flags given override them.
    const info = subject.run?.info.instrument ?? storedInstrument(subject.instrument);
    return { ...subject, instrument: instrumentFromStored(info, settingFlags(flags, info.name), flags) };
  }
  if (!flags.baseline) throw new UserError('give a run folder (cultune eval RUN), or --baseline none|persona with --model, --country and --out');
  const instrument = instrumentFromFlags(flags);
  await loadInstrumentData(instrument.instrument, flags, flags.json === true, '--instrument-data');
  const target = targetFromFlags(flags, instrument.instrument);
  if (!flags.model || !target || !flags.out) throw new UserError('a baseline without a run folder needs --model DIR, --country X and --out DIR');
  return { condition, instrument, target, modelDir: flags.model, outDir: flags.out };
}

async function runEval(runDir: string | undefined, flags: EvalFlags): Promise<void> {
  // Everything a user can get wrong is checked before the model is loaded.
  const subject = await subjectOf(runDir, flags);
  checkWritable(subject.outDir, 'folder');
  const model = await openModel({ ...flags, model: subject.modelDir, modelFile: subject.modelFile ?? flags.modelFile }, flags.json === true, { format: subject.instrument.format });
  const culturalBench = await tryLoadCulturalBench({ dataDir: flags.data, download: flags.download });
  // The table says it in text mode; with --json, stderr is the one place a reader sees it.
  if (!culturalBench.available && flags.json) process.stderr.write(`cultune: ${culturalBench.reason}; ${subject.instrument.instrument.title} only\n`);

  // A run's stored constants stand; a baseline's anchored ones are fitted here, leaving out its country.
  subject.instrument = await calibratedSpec(model, subject.instrument, subject.target.country, { say: flags.json ? undefined : (line) => process.stderr.write(`cultune: ${line}\n`) });
  const progress = progressReporter('eval', 1);
  try {
    const { record, file } = await evaluateSubject(model, subject, {
      culturalBench,
      limit: flags.limit,
      seed: flags.seed,
      bootstrap: flags.bootstrap,
      version: VERSION,
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.stop();
    if (flags.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    else {
      // Paired tests against the other conditions already evaluated in the folder: the numbers report shows.
      const comparisons = comparisonsInFolder(subject.outDir, record).map((c) => `  ${comparisonLine(c)}`);
      const paired = comparisons.length > 0 ? ['paired tests, loss difference [95% CI] (negative: the first is closer to the target):', ...comparisons] : [];
      process.stdout.write(`${[...formatEvalRecord(record), ...paired].join('\n')}\nwrote ${file}\n`);
    }
  } finally {
    progress.stop();
    await model.dispose();
  }
}

export function register(program: Command): void {
  const command = program
    .command('eval')
    .description("The run's instrument (scores, loss against its target) and CulturalBench Easy/Hard for a run's soft prompt or a baseline; writes eval-<condition>.json")
    .argument('[run]', 'run folder written by cultune train (holds run.json and prompt.json)');
  addCulturalBenchSamplingOptions(addModelOptions(addTargetOptions(command), { model: 'optional', modelHelp: "ONNX model folder (default: the run's model)" }))
    .addOption(new Option('--baseline <kind>', "evaluate a baseline for the run's country instead of its prompt").choices(['none', 'persona']))
    .option('--out <dir>', 'where eval-<condition>.json goes (default: the run folder; required without one)', nonEmptyPath)
    .option('--data <dir>', 'local copies of the CulturalBench CSV files (default: the cache, downloading if needed)')
    .option('--no-download', 'use the cached datasets only (CulturalBench, and the instrument\'s for a baseline)')
    .option('--json', 'print the JSON record instead of the table')
    .option('--front', 'multi-objective runs: every member of the front, none and persona, on the held-out questions (writes front-eval.json)')
    .option('--compare <runs...>', 'with --front: single-objective run folders to place beside the front');
  addInstrumentOptions(command, { dataFlag: '--instrument-data' })
    .action((run: string | undefined, flags: EvalFlags) => (flags.front ? runFrontEval(run, flags) : runEval(run, flags)));
}
