import path from 'node:path';
import { positionsNeeded } from '../../model/request-limits.ts';
import { Option, type Command } from 'commander';
import { demonstrations, describeInstrument, itemsAnsweredAsLabelled, labelledItems, prepareInstrument, prepareObjective, storedInstrument, type InstrumentSample, type InstrumentSpec } from '../../instruments/index.ts';
import { calibratedSpec, calibrationCacheDir } from '../../instruments/vsm13/calibration.ts';
import type { Scorer } from '../../model/types.ts';
import { COPRO_DEFAULTS, type CoproSettings, type CoproState } from '../../program/copro.ts';
import { instructionConditioning } from '../../program/instruction.ts';
import { MIPRO_AUTO, MIPRO_DEFAULTS, miproPlan, type MiproAuto, type MiproSettings, type MiproState } from '../../program/mipro.ts';
import { COUNTRY_SLOT, PERSONA_TEMPLATE } from '../../instruments/conditioning.ts';
import type { Proposer, ProposerState } from '../../program/proposer.ts';
import { endpointProposer } from '../../program/proposers/endpoint.ts';
import { fileProposer } from '../../program/proposers/file.ts';
import { selfProposer } from '../../program/proposers/self.ts';
import { PROGRAM_FILE, readProgram, runProgram, type ProgramDefinition, type ProgramEvaluation, type ProgramRecord } from '../../program/run.ts';
import type { Target } from '../../targets/index.ts';
import { trainingTarget } from '../../train/new-run.ts';
import { checkWritable } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { readSettings, type Settings } from '../../util/settings.ts';
import { seededSplit } from '../../util/seeded-split.ts';
import { addInstrumentOptions, instrumentFromFlags, loadInstrumentData, type InstrumentFlags } from '../instrument-options.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { fractionBelowOne, integerAtLeast, nonEmptyPath, positiveNumber } from '../parsers.ts';
import { runFolderPath } from '../../train/run-files.ts';

interface ProgramFlags extends ModelFlags, InstrumentFlags {
  countries?: string;
  optimizer: 'copro' | 'mipro';
  proposer?: string;
  proposerUrl?: string;
  proposerModel: string;
  proposerTimeout: number;
  budget: number;
  seed: number;
  heldOut: number;
  breadth?: number;
  depth?: number;
  initTemperature?: number;
  auto?: MiproAuto | 'none';
  candidates?: number;
  trials?: number;
  maxBootstrappedDemos?: number;
  maxLabeledDemos?: number;
  minibatchSize?: number;
  minibatchFullEvalSteps?: number;
  out: string;
  name?: string;
  resume?: boolean;
}

const COPRO_FLAGS = { breadth: '--breadth', depth: '--depth' } as const;
const MIPRO_FLAGS = {
  auto: '--auto',
  candidates: '--candidates',
  trials: '--trials',
  maxBootstrappedDemos: '--max-bootstrapped-demos',
  maxLabeledDemos: '--max-labeled-demos',
  minibatchSize: '--minibatch-size',
  minibatchFullEvalSteps: '--minibatch-full-eval-steps',
} as const;

/**
 * The optimiser's settings from the flags, each optimiser's defaults where a flag is not given; a flag
 * of the other optimiser is refused, as is --candidates or --trials with an --auto preset (dspy's rule).
 */
function searchSettings(flags: ProgramFlags): { optimizer: 'copro'; settings: CoproSettings } | { optimizer: 'mipro'; settings: MiproSettings } {
  const given = (names: Record<string, string>) => Object.entries(names).filter(([key]) => flags[key as keyof ProgramFlags] !== undefined).map(([, flag]) => flag);
  if (flags.optimizer === 'copro') {
    const foreign = given(MIPRO_FLAGS);
    if (foreign.length > 0) throw new UserError(`${foreign.join(', ')} ${foreign.length > 1 ? 'are' : 'is'} for --optimizer mipro; leave ${foreign.length > 1 ? 'them' : 'it'} out with copro`);
    return {
      optimizer: 'copro',
      settings: { breadth: flags.breadth ?? COPRO_DEFAULTS.breadth, depth: flags.depth ?? COPRO_DEFAULTS.depth, initTemperature: flags.initTemperature ?? COPRO_DEFAULTS.initTemperature },
    };
  }
  const foreign = given(COPRO_FLAGS);
  if (foreign.length > 0) throw new UserError(`${foreign.join(', ')} ${foreign.length > 1 ? 'are' : 'is'} for --optimizer copro; MIPROv2 takes --auto, or --auto none with --candidates and --trials`);
  const auto = flags.auto === 'none' ? null : (flags.auto ?? MIPRO_DEFAULTS.auto);
  if (auto !== null && (flags.candidates !== undefined || flags.trials !== undefined)) throw new UserError(`--candidates and --trials are set by --auto ${auto}; give --auto none to set them yourself`);
  if (auto === null && (flags.candidates === undefined || flags.trials === undefined)) throw new UserError('--auto none needs --candidates N and --trials N (e.g. --candidates 6 --trials 10)');
  return {
    optimizer: 'mipro',
    settings: {
      auto,
      candidates: flags.candidates ?? MIPRO_AUTO[auto ?? 'light'],
      trials: flags.trials ?? MIPRO_DEFAULTS.trials,
      maxBootstrapped: flags.maxBootstrappedDemos ?? MIPRO_DEFAULTS.maxBootstrapped,
      maxLabelled: flags.maxLabeledDemos ?? MIPRO_DEFAULTS.maxLabelled,
      minibatchSize: flags.minibatchSize ?? MIPRO_DEFAULTS.minibatchSize,
      minibatchFullEvalSteps: flags.minibatchFullEvalSteps ?? MIPRO_DEFAULTS.minibatchFullEvalSteps,
      initTemperature: flags.initTemperature ?? MIPRO_DEFAULTS.initTemperature,
    },
  };
}

/**
 * The countries' seeded split: round(fraction x n) held out, at least one country on each side when
 * there are two or more (one country trains alone); both sides keep the order given.
 */
export function splitCountries(names: readonly string[], fraction: number, seed: number): { train: string[]; heldOut: string[] } {
  const held = names.length < 2 || fraction === 0 ? 0 : Math.min(names.length - 1, Math.max(1, Math.round(fraction * names.length)));
  return seededSplit(names, `program countries ${seed}`, names.length - held);
}

/** The proposer the flags name, restored from a checkpoint's state where there is one. */
function proposerFromFlags(flags: ProgramFlags, settings: Settings, model: Scorer & { config: { maxPositions?: number } }, task: string, state: ProposerState | undefined): Proposer {
  if (flags.proposerUrl !== undefined) return endpointProposer({ url: flags.proposerUrl, model: flags.proposerModel, timeoutMs: flags.proposerTimeout * 1000, task, key: settings.proposerKey }, state);
  if (flags.proposer === 'self') return selfProposer(model, task, flags.seed, state);
  return fileProposer(flags.proposer!, state);
}

/** A line per step worth reading: each candidate or trial evaluated, with the spend so far. */
function stepLines(record: ProgramRecord, from: number, budget: number): { lines: string[]; shown: number } {
  const spent = `${record.spend.search}/${budget} evaluations`;
  if (record.definition.optimizer === 'copro') {
    const { evaluated } = record.state as CoproState;
    return { lines: evaluated.slice(from).map((c) => `depth ${c.depth} loss ${c.loss.toFixed(4)} "${c.instruction}" (${spent})`), shown: evaluated.length };
  }
  const state = record.state as MiproState;
  const lines = state.trials.slice(from).map((t) => `trial ${t.number + 1}${t.number === 0 ? ' (the original)' : ''} ${t.full ? 'full' : `minibatch of ${t.countries.length}`} loss ${t.loss.toFixed(4)}: instruction ${t.instruction}, demo set ${t.demos} (${spent})`);
  return { lines, shown: state.trials.length };
}

function evaluatedCount(record: ProgramRecord): number {
  return record.definition.optimizer === 'copro' ? (record.state as CoproState).evaluated.length : (record.state as MiproState).trials.length;
}

async function runProgramCommand(flags: ProgramFlags): Promise<void> {
  // Everything a user can get wrong is checked before the model is loaded.
  if (flags.countries === undefined) throw new UserError('program needs --countries, e.g. --countries Japan,Brazil,Germany');
  if ((flags.proposer === undefined) === (flags.proposerUrl === undefined)) throw new UserError('program needs one proposer: --proposer FILE, --proposer self, or --proposer-url http://127.0.0.1:8080/v1');
  if (flags.proposerUrl !== undefined && !/^https?:\/\//.test(flags.proposerUrl)) throw new UserError(`--proposer-url ${flags.proposerUrl} is not an http(s) URL: give the API base, e.g. http://127.0.0.1:8080/v1`);
  const search = searchSettings(flags);
  const settings = readSettings();
  const spec = instrumentFromFlags(flags);
  const asked = { ...spec, data: await loadInstrumentData(spec.instrument, flags, settings) };
  const targets = new Map<string, Target>();
  for (const given of flags.countries.split(',').map((c) => c.trim()).filter(Boolean)) {
    const target = trainingTarget(asked, { country: given, fallback: 'none' }, false);
    if (targets.has(target.country.name)) throw new UserError(`--countries names ${target.country.name} twice: name each country once`);
    targets.set(target.country.name, target);
  }
  const names = [...targets.keys()];
  const { train, heldOut } = splitCountries(names, flags.heldOut, flags.seed);
  if (flags.budget < train.length) throw new UserError(`--budget ${flags.budget} is less than one candidate's cost (${train.length} training countries, one evaluation each): raise --budget`);
  const labelled = new Map(names.map((name) => [name, labelledItems(asked, targets.get(name)!)]));
  // MIPROv2 is zero-shot where the instrument gives no labels to demonstrate, or demos are turned off.
  const zeroShot = search.optimizer === 'mipro' && (train.every((c) => labelled.get(c)!.length === 0) || search.settings.maxBootstrapped + search.settings.maxLabelled === 0);
  const dir = runFolderPath(flags.out, flags.name ?? `program-${asked.instrument.name}-s${flags.seed}`);
  checkWritable(dir, 'folder');
  const needsGeneration = flags.proposer === 'self';
  const model = await openModel(needsGeneration && (flags.plan === undefined || flags.plan === 'auto') ? { ...flags, plan: 'tree' } : flags, settings, false, { format: asked.format });
  try {
    if (needsGeneration) model.checkGeneration();
    const task = `${describeInstrument(asked)}: an instruction put before every question, that makes a language model answer as people in ${COUNTRY_SLOT} answer them`;
    const definition: ProgramDefinition = {
      instrument: storedInstrument(asked),
      model: model.sourceHash,
      countries: names,
      train,
      heldOut,
      seed: flags.seed,
      ...(search.optimizer === 'copro' ? search : { ...search, plan: miproPlan(search.settings, zeroShot, train.length) }),
      original: PERSONA_TEMPLATE,
      proposer: flags.proposerUrl !== undefined ? `${flags.proposerUrl} (model ${flags.proposerModel})` : flags.proposer === 'self' ? 'self' : `file ${flags.proposer}`,
      budget: flags.budget,
    };
    const stored = readProgram(dir, definition);
    if (stored && !flags.resume) throw new UserError(`${path.join(dir, PROGRAM_FILE)} holds a program run: add --resume to continue it, or choose another --name`);
    if (!stored && flags.resume) throw new UserError(`${dir} holds no program run to resume: leave out --resume`);
    const specs = new Map<string, InstrumentSpec>();
    const evaluate = async (instruction: string, demos: readonly string[], countries: readonly string[], capture: boolean): Promise<ProgramEvaluation> => {
      const losses: Record<string, number> = {};
      const answeredAsLabelled: Record<string, string[]> = {};
      for (const country of countries) {
        const target = targets.get(country)!;
        // VSM 2013's anchored constants are fitted leaving out the country asked about, as train does.
        if (!specs.has(country)) specs.set(country, await calibratedSpec(model, asked, target.country, { cacheDir: calibrationCacheDir(settings) }));
        const spec = specs.get(country)!;
        const conditioning = instructionConditioning(instruction, target.country.personaName, demonstrations(spec, target, demos));
        let samples: InstrumentSample[] = [];
        const result = await prepareObjective(model, spec, target, { conditioning }).evaluate(undefined, undefined, capture ? (s) => (samples = s) : undefined);
        losses[country] = result.loss.value;
        if (capture) answeredAsLabelled[country] = itemsAnsweredAsLabelled(samples, spec.instrument.labels?.(spec.settings, target) ?? {});
      }
      const values = Object.values(losses);
      return { loss: values.reduce((a, b) => a + b, 0) / values.length, losses, ...(capture && { answeredAsLabelled }) };
    };
    // A proposal the model cannot be asked with is set aside, not scored: checked on the country with
    // the longest name (the sentences differ only there), the same way the scorer checks its requests.
    const longest = names.reduce((a, b) => (targets.get(b)!.country.personaName.length > targets.get(a)!.country.personaName.length ? b : a));
    const overflow = (instruction: string, demos: readonly string[]) => {
      const target = targets.get(longest)!;
      const prepared = prepareInstrument(model.tokenizer, asked, target, instructionConditioning(instruction, target.country.personaName, demonstrations(asked, target, demos)));
      const needed = Math.max(...prepared.requests.map((r) => positionsNeeded(r, 0))) + prepared.generatedPositions;
      const { maxPositions } = model.config;
      return maxPositions !== undefined && needed > maxPositions ? `its longest question needs ${needed} positions; the model takes at most ${maxPositions}` : undefined;
    };
    // The proposer reads a demo set as the first training country's people answer it.
    const shownFor = targets.get(train[0])!;
    const describeDemos = (items: readonly string[]) => demonstrations(asked, shownFor, items).map((d) => `${d.question}\nAnswer (${shownFor.country.personaName}): ${d.answer}`);
    const questions = asked.instrument.questions(asked.settings, shownFor);
    const summary = `${asked.instrument.title}: ${new Set(questions.map((q) => q.itemId)).size} survey items (${questions.length} questions with their phrasings and option orders), each answered with one option (${questions[0]?.answerKeys.join(', ')}); scored by how close the model's answers come to each country's published figures.`;
    let shown = stored ? evaluatedCount(stored) : 0;
    process.stderr.write(`cultune: program ${dir}: ${train.length} training countries (${train.join(', ')}), ${heldOut.length} held out${heldOut.length ? ` (${heldOut.join(', ')})` : ''}\n`);
    if (definition.optimizer === 'mipro') {
      const { plan } = definition;
      process.stderr.write(`cultune: MIPROv2${definition.settings.auto ? ` (${definition.settings.auto})` : ''}: ${plan.instructionCandidates} instructions, ${plan.demoSetCandidates} demo sets${zeroShot ? ' (zero-shot: no labelled items to demonstrate)' : ''}, ${plan.trials} trials${plan.minibatch ? ` on minibatches of ${definition.settings.minibatchSize}` : ' on all training countries'}\n`);
    }
    const record = await runProgram(dir, definition, {
      proposer: proposerFromFlags(flags, settings, model, task, stored?.proposer),
      evaluate,
      overflow,
      labelledItems: (country) => labelled.get(country) ?? [],
      describeDemos,
      summary,
      onStep: (r) => {
        const next = stepLines(r, shown, definition.budget);
        for (const line of next.lines) process.stderr.write(`cultune: ${line}\n`);
        shown = next.shown;
      },
    }, stored);
    const demos = record.best?.demos?.length ? ` with ${record.best.demos.length} demonstrations (${record.best.demos.join(', ')})` : '';
    const lines = [
      `best instruction: ${record.best?.instruction ?? '(none evaluated)'}${demos}`,
      `training loss: ${record.best?.loss.toFixed(4) ?? '-'} (${evaluatedCount(record)} ${definition.optimizer === 'copro' ? 'candidates' : 'trials'}, stopped: ${record.state.stopped}, ${record.spend.search} instrument evaluations)`,
    ];
    const setAside = (record.state as CoproState | MiproState).setAside ?? [];
    if (setAside.length > 0) lines.push(`set aside: ${setAside.length} proposed instruction${setAside.length > 1 ? 's' : ''} the model cannot be asked with (${setAside[0].reason}); listed in program.json`);
    if (record.heldOut) lines.push(`held-out loss: ${record.heldOut.best.loss.toFixed(4)} (original "${definition.original}": ${record.heldOut.original.loss.toFixed(4)})`);
    lines.push(`written: ${path.join(dir, PROGRAM_FILE)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  addInstrumentOptions(addModelOptions(program.command('program').description('Search an instruction template with a {country} slot (COPRO or MIPROv2) on an instrument, over several countries')))
    .option('--countries <list>', 'countries, comma-separated: a seeded split trains on some and holds out the rest')
    .addOption(new Option('--optimizer <name>', 'the instruction search: copro, or mipro (MIPROv2: instructions and demonstrations, TPE search)').choices(['copro', 'mipro']).default('copro'))
    .option('--proposer <source>', 'who writes instructions: a file of seed instructions (one a line), or self (the model samples them)')
    .option('--proposer-url <url>', 'an OpenAI-compatible API base that writes instructions, e.g. http://127.0.0.1:8080/v1 (key from CULTUNE_PROPOSER_KEY)')
    .option('--proposer-model <name>', 'with --proposer-url: the model name sent', 'default')
    .addOption(new Option('--proposer-timeout <seconds>', 'with --proposer-url: seconds to wait for an answer').default(60).argParser(positiveNumber))
    .addOption(new Option('--budget <n>', 'maximum instrument evaluations (one per candidate per training country, as train counts)').default(4000).argParser(integerAtLeast(1)))
    .addOption(new Option('--seed <n>', 'random seed (country split, self proposer)').default(1).argParser(integerAtLeast(0)))
    .addOption(new Option('--held-out <fraction>', 'fraction of the countries held out from the search').default(0.3).argParser(fractionBelowOne))
    .addOption(new Option('--breadth <n>', `COPRO: candidates per round (default ${COPRO_DEFAULTS.breadth})`).argParser(integerAtLeast(2)))
    .addOption(new Option('--depth <n>', `COPRO: rounds (default ${COPRO_DEFAULTS.depth})`).argParser(integerAtLeast(1)))
    .addOption(new Option('--init-temperature <t>', `the proposer's sampling temperature (default ${COPRO_DEFAULTS.initTemperature} for copro, ${MIPRO_DEFAULTS.initTemperature} for mipro)`).argParser(positiveNumber))
    .addOption(new Option('--auto <preset>', `MIPROv2: light, medium or heavy (N = ${MIPRO_AUTO.light}/${MIPRO_AUTO.medium}/${MIPRO_AUTO.heavy} candidates), or none with --candidates and --trials (default ${MIPRO_DEFAULTS.auto})`).choices(['light', 'medium', 'heavy', 'none']))
    .addOption(new Option('--candidates <n>', 'MIPROv2 with --auto none: instruction and demo-set candidates').argParser(integerAtLeast(1)))
    .addOption(new Option('--trials <n>', 'MIPROv2 with --auto none: search trials').argParser(integerAtLeast(1)))
    .addOption(new Option('--max-bootstrapped-demos <n>', `MIPROv2: demonstrations the model got right, at most (default ${MIPRO_DEFAULTS.maxBootstrapped})`).argParser(integerAtLeast(0)))
    .addOption(new Option('--max-labeled-demos <n>', `MIPROv2: demonstrations in all, labelled ones filling up (default ${MIPRO_DEFAULTS.maxLabelled})`).argParser(integerAtLeast(0)))
    .addOption(new Option('--minibatch-size <n>', `MIPROv2: training countries per trial when there are more (default ${MIPRO_DEFAULTS.minibatchSize})`).argParser(integerAtLeast(1)))
    .addOption(new Option('--minibatch-full-eval-steps <n>', `MIPROv2: minibatch trials between full evaluations (default ${MIPRO_DEFAULTS.minibatchFullEvalSteps})`).argParser(integerAtLeast(1)))
    .option('--out <dir>', 'folder for runs', nonEmptyPath, 'checkpoints')
    .option('--name <name>', 'run folder name (default: program-<instrument>-s<seed>)')
    .option('--resume', 'continue the run in the run folder')
    .action(async (flags: ProgramFlags) => {
      await runProgramCommand(flags);
    });
}
