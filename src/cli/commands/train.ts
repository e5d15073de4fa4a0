import path from 'node:path';
import { Option, type Command } from 'commander';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { addTargetOptions, targetFromFlags, type TargetFlags } from './targets.ts';
import { explainMissingDimensions } from '../../vsm13/index.ts';
import { runExists, train, TrainingInterrupted } from '../../train/train.ts';
import { requireRun, type RunInfo, type TrainSettings } from '../../train/run-files.ts';
import type { GenerationRecord } from '../../train/run-files.ts';
import { UserError } from '../../util/errors.ts';
import { VERSION } from '../version.ts';

export interface TrainFlags extends ModelFlags, TargetFlags, Omit<TrainSettings, 'space' | 'init' | 'placement'> {
  space: TrainSettings['space'];
  init: TrainSettings['init'];
  placement: TrainSettings['placement'];
  out: string;
  name?: string;
  resume?: boolean;
  allowPartialTarget?: boolean;
  json?: boolean;
}

function integer(min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UserError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

/** The training flags; `sweep` shares them. */
export function addTrainOptions(command: Command): Command {
  return addTargetOptions(addModelOptions(command))
    .addOption(new Option('--k <n>', 'number of soft prompt vectors').default(10).argParser(integer(1)))
    .addOption(new Option('--space <kind>', 'search the full k x d prompt, or a random subspace (BBT)').choices(['full', 'subspace']).default('subspace'))
    .addOption(new Option('--dim <n>', 'subspace dimension').default(500).argParser(integer(1)))
    .addOption(new Option('--init <how>', 'start from a persona text, vocabulary rows or random normals').choices(['text', 'vocab', 'random']).default('text'))
    .addOption(new Option('--strategy <name>', 'shade, jade, or rand/1/bin, best/1/bin, current-to-best/1/bin, rand/2/bin (/exp for exponential crossover)').default('shade'))
    .addOption(new Option('--pop <n>', 'population size').default(20).argParser(integer(4)))
    .addOption(new Option('--budget <n>', 'maximum candidate evaluations').default(4000).argParser(integer(1)))
    .addOption(new Option('--generations <n>', 'maximum generations').argParser(integer(1)))
    .addOption(new Option('--stagnation <n>', 'stop after this many generations without improvement').argParser(integer(1)))
    .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(integer(0)))
    .addOption(new Option('--variants <n>', 'respondent variants per VSM item').default(4).argParser(integer(1)))
    .addOption(new Option('--placement <where>', 'soft prompt position').choices(['start', 'after-bos']).default('start'))
    .option('--allow-partial-target', 'train even when the target lacks some of the six dimensions')
    .option('--out <dir>', 'folder for runs', 'checkpoints')
    .option('--json', 'progress as JSON lines on stdout');
}

function progressLine(record: GenerationRecord, budget: number): string {
  const rate = record.evaluations / Math.max(record.seconds, 1e-9);
  const eta = Math.max(0, (budget - record.evaluations) / rate);
  return `gen ${record.generation} | evals ${record.evaluations}/${budget} | best ${record.bestLoss.toFixed(3)} | median ${record.medianLoss.toFixed(3)} | ${rate.toFixed(2)} evals/s | ETA ${Math.round(eta)} s`;
}

/** Builds the run description from the flags (a new run) or reads it back (--resume). */
export function runInfoFromFlags(flags: TrainFlags, sourceHash: string, hidden: number, dtype: string): RunInfo {
  const target = targetFromFlags(flags);
  if (!target) throw new UserError('train needs --country');
  const missing = explainMissingDimensions(target);
  if (missing.length > 0 && !flags.allowPartialTarget) {
    throw new UserError(`${missing.join(' ')} (or pass --allow-partial-target to train on the dimensions present)`);
  }
  const { k, space, dim, init, strategy, pop, budget, generations, stagnation, seed, variants, placement } = flags;
  return {
    cultune: VERSION,
    country: { query: flags.country!, name: target.country.name, code: target.country.iso2 ?? target.country.code },
    target,
    settings: { k, space, dim, init, strategy, pop, budget, generations, stagnation, seed, variants, placement },
    model: { dir: path.resolve(flags.model), sourceHash, hidden, dtype },
  };
}

export function runFolderName(flags: TrainFlags, info: RunInfo): string {
  return flags.name ?? `${(info.country.code ?? info.country.name).replace(/[^A-Za-z0-9_-]+/g, '_')}-s${info.settings.seed}`;
}

export async function trainFromFlags(flags: TrainFlags, runDir?: string): Promise<{ runDir: string; bestLoss: number }> {
  const model = await openModel(flags, !!flags.json);
  try {
    const fresh = runInfoFromFlags(flags, model.sourceHash, model.hidden, model.dtype);
    const dir = runDir ?? path.join(flags.out, runFolderName(flags, fresh));
    let info = fresh;
    if (runExists(dir)) {
      if (!flags.resume) throw new UserError(`${dir} already holds a run; add --resume to continue it, or choose --out / --name`);
      info = requireRun(dir);
    }
    let interrupted = false;
    const onSignal = () => (interrupted = true);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const result = await train(dir, info, model, {
        interrupted: () => interrupted,
        onGeneration: (record) => {
          if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'generation', ...record })}\n`);
          else process.stderr.write(`${progressLine(record, info.settings.budget)}\n`);
        },
      });
      const summary = { event: 'finished', run: dir, stopReason: result.stopReason, bestLoss: result.best.loss, perDimension: result.best.breakdown.perDimension };
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stderr.write(`finished (${result.stopReason}): best VSM13 loss ${result.best.loss.toFixed(3)}; run in ${dir}\n`);
      return { runDir: dir, bestLoss: result.best.loss };
    } catch (error) {
      if (error instanceof TrainingInterrupted) throw new UserError(error.message, 130);
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  addTrainOptions(program.command('train').description('Tune a soft prompt for one country with differential evolution on the VSM13 loss'))
    .option('--name <name>', 'run folder name (default: <country>-s<seed>)')
    .option('--resume', 'continue the run in the run folder')
    .action(async (flags: TrainFlags) => {
      await trainFromFlags(flags);
    });
}
