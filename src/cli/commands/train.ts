import { Option, type Command } from 'commander';
import { INIT_KINDS, type SoftPromptConfig } from '../../embedding/index.ts';
import { instruments } from '../../instruments/index.ts';
import { parseObjectives, trainingTarget, type RunRequest } from '../../train/new-run.ts';
import { checkTrainSettings } from '../../train/check-settings.ts';
import { planTraining, type TrainRequest } from '../../app/train-run.ts';
import type { SearchRequest } from '../../train/search-space.ts';
import { TrainingInterrupted } from '../../train/train.ts';
import { UserError } from '../../util/errors.ts';
import { readSettings, type Settings } from '../../util/settings.ts';
import { addInstrumentOptions, instrumentFromFlags, loadInstrumentData, type InstrumentFlags } from '../instrument-options.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { fractionBelowOne, integerAtLeast, nonEmptyPath } from '../parsers.ts';
import { trainWithProgress } from '../training-progress.ts';
import { addTargetOptions, targetRequestFromFlags, type TargetFlags } from './targets.ts';
import { checkInitTextTemplate } from '../../train/init-text.ts';
import { initSourceOf } from '../../train/init-from.ts';

/** The flags of a training run besides its country: `train` and `sweep` share them. */
export interface TrainingFlags extends ModelFlags, InstrumentFlags, Omit<TargetFlags, 'country' | 'target'>, SearchRequest, Omit<SoftPromptConfig, 'initText'> {
  /** --init-text: the TEXT init's text template. */
  initText?: string;
  /** --holdout: the fraction held out (absent: the default, or a resumed run's stored split). */
  holdout?: number;
  out: string;
  allowPartialTarget?: boolean;
  extendBudget?: boolean;
  json?: boolean;
}

export interface TrainFlags extends TrainingFlags, TargetFlags {
  name?: string;
  resume?: boolean;
  /** `vsm13,culturalbench`: a multi-objective run (GDE3). */
  objectives?: string;
  /** Local CulturalBench copies for `--objectives` (what `culturalbench --culturalbench-data` takes); default the cache. `--data` is the instrument's dataset. */
  culturalbenchData?: string;
  /** --init-from: a PEFT prompt-tuning adapter, cultune export or run folder whose prompt starts the run. */
  initFrom?: string;
}

/** The instrument, search, budget and output flags, after the model and target flags: `sweep` shares them. */
export function addTrainingOptions(command: Command): Command {
  addInstrumentOptions(command);
  return command
    .addOption(new Option('--k <n>', 'number of soft prompt vectors').default(10).argParser(integerAtLeast(1)))
    .addOption(new Option('--space <kind>', 'search the full k x d prompt, or a random subspace (BBT)').choices(['full', 'subspace']).default('subspace'))
    .addOption(new Option('--dim <n>', 'subspace dimension (default: 500, or k x hidden where that is smaller)').argParser(integerAtLeast(1)))
    .addOption(new Option('--init <how>', 'start from a persona text, vocabulary rows or random normals').choices(INIT_KINDS).default('text'))
    .option('--init-text <text>', '--init text: the text whose tokens start the prompt, {country} standing for the country (default: "You are a person from {country}.")')
    .addOption(new Option('--strategy <name>', 'shade, jade, or rand/1/bin, best/1/bin, current-to-best/1/bin, rand/2/bin (/exp for exponential crossover)').default('shade'))
    .addOption(new Option('--pop <n>', 'population size').default(20).argParser(integerAtLeast(4)))
    .addOption(new Option('--budget <n>', 'maximum candidate evaluations').default(4000).argParser(integerAtLeast(1)))
    .addOption(new Option('--generations <n>', 'maximum generations').argParser(integerAtLeast(1)))
    .addOption(new Option('--stagnation <n>', 'stop after this many generations without improvement').argParser(integerAtLeast(1)))
    .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(integerAtLeast(0)))
    .addOption(new Option('--placement <where>', 'soft prompt position').choices(['start', 'after-bos']).default('start'))
    .addOption(new Option('--holdout <fraction>', "fraction of the instrument's questions (GlobalOpinionQA) or respondents (VSM 2013, the map) held out from training and reported apart by eval (default 0.3; 0: no split)").argParser(fractionBelowOne))
    .option('--allow-partial-target', 'train even when the target lacks some of its values')
    .option('--extend-budget', 'continue a stored run (finished or not) to a larger --budget')
    .option('--out <dir>', 'folder for runs', nonEmptyPath, 'checkpoints')
    .option('--json', 'progress as JSON lines on stdout');
}

/** The run the flags ask for, checked before any model is loaded. */
export function runRequest(flags: SearchRequest & Omit<SoftPromptConfig, 'initText' | 'from'> & InstrumentFlags & { initText?: string; holdout?: number; initFrom?: string }): RunRequest {
  const { k, init, placement, space, dim, strategy, pop, budget, generations, stagnation, seed } = flags;
  checkTrainSettings({ space, dim, strategy, pop, budget, generations, stagnation, seed });
  if (flags.initText !== undefined && flags.initFrom !== undefined) throw new UserError('--init-text and --init-from both say where the prompt starts: keep one');
  if (flags.initText !== undefined && init !== 'text') throw new UserError(`--init-text needs --init text (got --init ${init})`);
  // --init-from replaces --init: the prompt starts at the file's, recorded with its hash.
  const start = flags.initFrom === undefined ? { init } : { init: 'from' as const, from: initSourceOf(flags.initFrom, k) };
  return {
    instrument: instrumentFromFlags(flags),
    softPrompt: { k, ...start, placement },
    ...(flags.initText !== undefined && { initTemplate: checkInitTextTemplate(flags.initText) }),
    search: { space, dim, strategy, pop, budget, generations, stagnation, seed },
    ...(flags.holdout !== undefined && { holdout: flags.holdout }),
  };
}

/** A flag the kind of run asked for would ignore is an error, not silence. */
function checkObjectiveFlags(flags: TrainFlags): void {
  // GDE3 (train-front.ts) stops at the budget or the generation count only.
  if (flags.objectives !== undefined && flags.stagnation !== undefined) {
    throw new UserError('--stagnation stops a single-objective run; a multi-objective run (--objectives) stops at --budget or --generations');
  }
  if (flags.objectives === undefined && flags.culturalbenchData !== undefined) {
    throw new UserError('--culturalbench-data is read by multi-objective runs only: add --objectives, or leave it out');
  }
}

/**
 * The run the flags ask for, checked before any model is loaded (`train`, and the library's train()):
 * the instrument's dataset is read first where it has one, since its targets come from it.
 */
export async function trainRequest(flags: TrainFlags, settings: Settings, quiet = !!flags.json): Promise<TrainRequest> {
  if (flags.country === undefined) throw new UserError('train needs --country');
  checkObjectiveFlags(flags);
  const objectiveInstrument = flags.objectives === undefined ? undefined : parseObjectives(flags.objectives, instruments().map((i) => i.name));
  if (objectiveInstrument !== undefined && flags.instrument !== undefined && flags.instrument !== objectiveInstrument) {
    throw new UserError(`--instrument ${flags.instrument} and --objectives ${flags.objectives} name different instruments`);
  }
  const run = runRequest({ ...flags, instrument: objectiveInstrument ?? flags.instrument });
  const data = await loadInstrumentData(run.instrument.instrument, flags, settings, quiet);
  const target = trainingTarget({ instrument: run.instrument.instrument, data }, targetRequestFromFlags({ ...flags, country: flags.country }, run.instrument.instrument), !!flags.allowPartialTarget);
  return {
    country: flags.country,
    run,
    target,
    out: flags.out,
    name: flags.name,
    resume: !!flags.resume,
    extendBudget: flags.extendBudget,
    ...(objectiveInstrument !== undefined && { objectives: { instrument: objectiveInstrument, culturalbenchData: flags.culturalbenchData } }),
  };
}

async function trainFromFlags(flags: TrainFlags): Promise<void> {
  const settings = readSettings();
  const request = await trainRequest(flags, settings);
  const run = await planTraining(request, settings);
  const model = await openModel(flags, settings, !!flags.json, { format: request.run.instrument.format });
  try {
    await trainWithProgress(run, model, settings, !!flags.json);
  } catch (error) {
    if (error instanceof TrainingInterrupted) throw new UserError(error.generation > 0 ? `${error.message}: resume it with --resume` : error.message, 130);
    throw error;
  } finally {
    await model.dispose();
  }
}

/** The flags `train` has beyond those it shares with `sweep`: the library's `train` parses with them too. */
export function addTrainOnlyOptions(command: Command): Command {
  return command
    .option('--name <name>', 'run folder name (default: <country>-s<seed>)')
    .option('--resume', 'continue the run in the run folder')
    .option('--objectives <list>', 'multi-objective run (GDE3): an instrument and culturalbench, e.g. vsm13,culturalbench')
    .option('--culturalbench-data <dir>', 'with --objectives: local CulturalBench CSV copies (default: the cache, downloading if needed)')
    .option('--init-from <dir>', "start from a PEFT prompt-tuning adapter, a cultune export or a run folder's prompt (replaces --init; its k must be --k)");
}

export function register(program: Command): void {
  addTrainOnlyOptions(addTrainingOptions(addTargetOptions(addModelOptions(program.command('train').description("Tune a soft prompt for one country with differential evolution on an instrument's loss")))))
    .action(async (flags: TrainFlags) => {
      await trainFromFlags(flags);
    });
}
