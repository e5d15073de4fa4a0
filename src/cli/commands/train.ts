import path from 'node:path';
import { Option, type Command } from 'commander';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { addTargetOptions, targetFromFlags, type TargetFlags } from './targets.ts';
import { explainMissingDimensions, type Target } from '../../vsm13/index.ts';
import type { LoadedModel } from '../../model/index.ts';
import { train, TrainingInterrupted } from '../../train/train.ts';
import { runFolderPath, type GenerationRecord, type RunInfo, type RunResult, type TrainSettings } from '../../train/run-files.ts';
import { checkTrainSettings } from '../../train/check-settings.ts';
import { planRun } from '../../train/run-plan.ts';
import { checkWritable } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { VERSION } from '../version.ts';
import { integerAtLeast } from '../parsers.ts';

/** The flags of a training run besides its target: `train` and `sweep` share them. */
export interface TrainingFlags extends ModelFlags, Omit<TrainSettings, 'space' | 'init' | 'placement'> {
  space: TrainSettings['space'];
  init: TrainSettings['init'];
  placement: TrainSettings['placement'];
  out: string;
  allowPartialTarget?: boolean;
  extendBudget?: boolean;
  json?: boolean;
}

export interface TrainFlags extends TrainingFlags, TargetFlags {
  name?: string;
  resume?: boolean;
}

/** The search, budget and output flags, after the model and target flags: `sweep` shares them. */
export function addTrainingOptions(command: Command): Command {
  return command
    .addOption(new Option('--k <n>', 'number of soft prompt vectors').default(10).argParser(integerAtLeast(1)))
    .addOption(new Option('--space <kind>', 'search the full k x d prompt, or a random subspace (BBT)').choices(['full', 'subspace']).default('subspace'))
    .addOption(new Option('--dim <n>', 'subspace dimension').default(500).argParser(integerAtLeast(1)))
    .addOption(new Option('--init <how>', 'start from a persona text, vocabulary rows or random normals').choices(['text', 'vocab', 'random']).default('text'))
    .addOption(new Option('--strategy <name>', 'shade, jade, or rand/1/bin, best/1/bin, current-to-best/1/bin, rand/2/bin (/exp for exponential crossover)').default('shade'))
    .addOption(new Option('--pop <n>', 'population size').default(20).argParser(integerAtLeast(4)))
    .addOption(new Option('--budget <n>', 'maximum candidate evaluations').default(4000).argParser(integerAtLeast(1)))
    .addOption(new Option('--generations <n>', 'maximum generations').argParser(integerAtLeast(1)))
    .addOption(new Option('--stagnation <n>', 'stop after this many generations without improvement').argParser(integerAtLeast(1)))
    .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(integerAtLeast(0)))
    .addOption(new Option('--variants <n>', 'respondent variants per VSM item').default(4).argParser(integerAtLeast(1)))
    .addOption(new Option('--placement <where>', 'soft prompt position').choices(['start', 'after-bos']).default('start'))
    .option('--allow-partial-target', 'train even when the target lacks some of the six dimensions')
    .option('--extend-budget', 'continue a stored run (finished or not) to a larger --budget')
    .option('--out <dir>', 'folder for runs', 'checkpoints')
    .option('--json', 'progress as JSON lines on stdout');
}

function progressLine(record: GenerationRecord, budget: number): string {
  const rate = record.evaluations / Math.max(record.seconds, 1e-9);
  const eta = Math.max(0, (budget - record.evaluations) / rate);
  return `gen ${record.generation} | evals ${record.evaluations}/${budget} | best ${record.bestLoss.toFixed(3)} | median ${record.medianLoss.toFixed(3)} | ${rate.toFixed(2)} evals/s | ETA ${Math.round(eta)} s`;
}

/** The target of a run, checked before any model is loaded: a partial one needs --allow-partial-target. */
export function trainingTarget(flags: TargetFlags & { allowPartialTarget?: boolean }): Target {
  const target = targetFromFlags(flags);
  if (!target) throw new UserError('train needs --country');
  const missing = explainMissingDimensions(target);
  if (missing.length > 0 && !flags.allowPartialTarget) {
    throw new UserError(`${missing.join(' ')} (or pass --allow-partial-target to train on the dimensions present)`);
  }
  return target;
}

export function trainSettings(flags: TrainSettings): TrainSettings {
  const { k, space, dim, init, strategy, pop, budget, generations, stagnation, seed, variants, placement } = flags;
  return { k, space, dim, init, strategy, pop, budget, generations, stagnation, seed, variants, placement };
}

/** What run.json records for a new run. */
export function newRunInfo(query: string, target: Target, flags: TrainSettings & { model: string }, model: Pick<LoadedModel, 'sourceHash' | 'hidden' | 'precision'>): RunInfo {
  return {
    cultune: VERSION,
    country: { query, name: target.country.name, code: countryCode(target) },
    target,
    settings: trainSettings(flags),
    model: { dir: path.resolve(flags.model), sourceHash: model.sourceHash, hidden: model.hidden, dtype: model.precision },
  };
}

function countryCode(target: Target): string | undefined {
  return target.country.iso2 ?? target.country.code;
}

/** `<country>-s<seed>`: the default run folder name of `train`, and the one `sweep` always uses. */
export function runFolderName(target: Target, seed: number): string {
  return `${(countryCode(target) ?? target.country.name).replace(/[^A-Za-z0-9_-]+/g, '_')}-s${seed}`;
}

/**
 * Trains (or resumes) one run, printing progress as `train` does: a line per generation on stderr, or
 * JSON lines on stdout with `tag`'s fields added. Ctrl-C ends it after the current candidate with
 * TrainingInterrupted; the last checkpoint stays.
 */
export async function trainWithProgress(dir: string, info: RunInfo, model: LoadedModel, json: boolean, tag: Record<string, unknown> = {}): Promise<RunResult> {
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await train(dir, info, model, {
      interrupted: () => interrupted,
      onGeneration: (record) => {
        if (json) process.stdout.write(`${JSON.stringify({ event: 'generation', ...tag, ...record })}\n`);
        else process.stderr.write(`${progressLine(record, info.settings.budget)}\n`);
      },
    });
    const summary = { event: 'finished', ...tag, run: dir, stopReason: result.stopReason, bestLoss: result.best.loss, perDimension: result.best.breakdown.perDimension };
    if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stderr.write(`finished (${result.stopReason}): best VSM13 loss ${result.best.loss.toFixed(3)}; run in ${dir}\n`);
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function trainFromFlags(flags: TrainFlags): Promise<{ runDir: string; bestLoss: number }> {
  // Every setting and the run folder are checked before the model is loaded and before anything is written.
  const target = trainingTarget(flags);
  const settings = trainSettings(flags);
  checkTrainSettings(settings);
  const dir = runFolderPath(flags.out, flags.name ?? runFolderName(target, flags.seed));
  const plan = planRun({ dir, target, settings, extendBudget: flags.extendBudget }, { resume: !!flags.resume });
  checkWritable(dir, 'folder');
  const model = await openModel(flags, !!flags.json);
  try {
    const info = plan.state === 'new' ? newRunInfo(flags.country as string, target, flags, model) : plan.stored;
    const result = await trainWithProgress(dir, info, model, !!flags.json);
    return { runDir: dir, bestLoss: result.best.loss };
  } catch (error) {
    if (error instanceof TrainingInterrupted) throw new UserError(`${error.message}: resume it with --resume`, 130);
    throw error;
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  addTrainingOptions(addTargetOptions(addModelOptions(program.command('train').description('Tune a soft prompt for one country with differential evolution on the VSM13 loss'))))
    .option('--name <name>', 'run folder name (default: <country>-s<seed>)')
    .option('--resume', 'continue the run in the run folder')
    .action(async (flags: TrainFlags) => {
      await trainFromFlags(flags);
    });
}
