import path from 'node:path';
import { Option, type Command } from 'commander';
import { describeInstrument, prepareObjective, storedInstrument, type InstrumentSpec } from '../../instruments/index.ts';
import { calibratedSpec } from '../../instruments/vsm13/calibration.ts';
import type { Scorer } from '../../model/types.ts';
import { COPRO_DEFAULTS } from '../../program/copro.ts';
import { COUNTRY_SLOT, instructionConditioning, PERSONA_INSTRUCTION } from '../../program/instruction.ts';
import type { Proposer, ProposerState } from '../../program/proposer.ts';
import { endpointProposer } from '../../program/proposers/endpoint.ts';
import { fileProposer } from '../../program/proposers/file.ts';
import { selfProposer } from '../../program/proposers/self.ts';
import { PROGRAM_FILE, readProgram, runProgram, type ProgramDefinition } from '../../program/run.ts';
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
  optimizer: 'copro';
  proposer?: string;
  proposerUrl?: string;
  proposerModel: string;
  proposerTimeout: number;
  budget: number;
  seed: number;
  heldOut: number;
  breadth: number;
  depth: number;
  initTemperature: number;
  out: string;
  name?: string;
  resume?: boolean;
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
function proposerFromFlags(flags: ProgramFlags, settings: Settings, model: Scorer, task: string, state: ProposerState | undefined): Proposer {
  if (flags.proposerUrl !== undefined) return endpointProposer({ url: flags.proposerUrl, model: flags.proposerModel, timeoutMs: flags.proposerTimeout * 1000, task, key: settings.proposerKey }, state);
  if (flags.proposer === 'self') return selfProposer(model, task, flags.seed, state);
  return fileProposer(flags.proposer!, state);
}

async function runProgramCommand(flags: ProgramFlags): Promise<void> {
  // Everything a user can get wrong is checked before the model is loaded.
  if (flags.countries === undefined) throw new UserError('program needs --countries, e.g. --countries Japan,Brazil,Germany');
  if ((flags.proposer === undefined) === (flags.proposerUrl === undefined)) throw new UserError('program needs one proposer: --proposer FILE, --proposer self, or --proposer-url http://127.0.0.1:8080/v1');
  if (flags.proposerUrl !== undefined && !/^https?:\/\//.test(flags.proposerUrl)) throw new UserError(`--proposer-url ${flags.proposerUrl} is not an http(s) URL: give the API base, e.g. http://127.0.0.1:8080/v1`);
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
      optimizer: flags.optimizer,
      settings: { breadth: flags.breadth, depth: flags.depth, initTemperature: flags.initTemperature },
      original: PERSONA_INSTRUCTION,
      proposer: flags.proposerUrl !== undefined ? `${flags.proposerUrl} (model ${flags.proposerModel})` : flags.proposer === 'self' ? 'self' : `file ${flags.proposer}`,
      budget: flags.budget,
    };
    const stored = readProgram(dir, definition);
    if (stored && !flags.resume) throw new UserError(`${path.join(dir, PROGRAM_FILE)} holds a program run: add --resume to continue it, or choose another --name`);
    if (!stored && flags.resume) throw new UserError(`${dir} holds no program run to resume: leave out --resume`);
    const specs = new Map<string, InstrumentSpec>();
    const evaluate = async (instruction: string, countries: readonly string[]) => {
      const losses: Record<string, number> = {};
      for (const country of countries) {
        const target = targets.get(country)!;
        // VSM 2013's anchored constants are fitted leaving out the country asked about, as train does.
        if (!specs.has(country)) specs.set(country, await calibratedSpec(model, asked, target.country));
        const objective = prepareObjective(model, specs.get(country)!, target, { conditioning: instructionConditioning(instruction, target.country.personaName) });
        losses[country] = (await objective.evaluate()).loss.value;
      }
      const values = Object.values(losses);
      return { loss: values.reduce((a, b) => a + b, 0) / values.length, losses };
    };
    let shown = stored?.state.evaluated.length ?? 0;
    process.stderr.write(`cultune: program ${dir}: ${train.length} training countries (${train.join(', ')}), ${heldOut.length} held out${heldOut.length ? ` (${heldOut.join(', ')})` : ''}\n`);
    const record = await runProgram(dir, definition, {
      proposer: proposerFromFlags(flags, settings, model, task, stored?.proposer),
      evaluate,
      onStep: (r) => {
        for (const c of r.state.evaluated.slice(shown)) process.stderr.write(`cultune: depth ${c.depth} loss ${c.loss.toFixed(4)} "${c.instruction}" (${r.spend.search}/${definition.budget} evaluations)\n`);
        shown = r.state.evaluated.length;
      },
    }, stored);
    const lines = [`best instruction: ${record.best?.instruction ?? '(none evaluated)'}`, `training loss: ${record.best?.loss.toFixed(4) ?? '-'} (${record.state.evaluated.length} candidates, stopped: ${record.state.stopped}, ${record.spend.search} instrument evaluations)`];
    if (record.heldOut) lines.push(`held-out loss: ${record.heldOut.best.loss.toFixed(4)} (original "${definition.original}": ${record.heldOut.original.loss.toFixed(4)})`);
    lines.push(`written: ${path.join(dir, PROGRAM_FILE)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  addInstrumentOptions(addModelOptions(program.command('program').description('Search an instruction template with a {country} slot (COPRO) on an instrument, over several countries')))
    .option('--countries <list>', 'countries, comma-separated: a seeded split trains on some and holds out the rest')
    .addOption(new Option('--optimizer <name>', 'the instruction search').choices(['copro']).default('copro'))
    .option('--proposer <source>', 'who writes instructions: a file of seed instructions (one a line), or self (the model samples them)')
    .option('--proposer-url <url>', 'an OpenAI-compatible API base that writes instructions, e.g. http://127.0.0.1:8080/v1 (key from CULTUNE_PROPOSER_KEY)')
    .option('--proposer-model <name>', 'with --proposer-url: the model name sent', 'default')
    .addOption(new Option('--proposer-timeout <seconds>', 'with --proposer-url: seconds to wait for an answer').default(60).argParser(positiveNumber))
    .addOption(new Option('--budget <n>', 'maximum instrument evaluations (one per candidate per training country, as train counts)').default(4000).argParser(integerAtLeast(1)))
    .addOption(new Option('--seed <n>', 'random seed (country split, self proposer)').default(1).argParser(integerAtLeast(0)))
    .addOption(new Option('--held-out <fraction>', 'fraction of the countries held out from the search').default(0.3).argParser(fractionBelowOne))
    .addOption(new Option('--breadth <n>', 'COPRO: candidates per round').default(COPRO_DEFAULTS.breadth).argParser(integerAtLeast(2)))
    .addOption(new Option('--depth <n>', 'COPRO: rounds').default(COPRO_DEFAULTS.depth).argParser(integerAtLeast(1)))
    .addOption(new Option('--init-temperature <t>', 'COPRO: the proposer\'s sampling temperature').default(COPRO_DEFAULTS.initTemperature).argParser(positiveNumber))
    .option('--out <dir>', 'folder for runs', nonEmptyPath, 'checkpoints')
    .option('--name <name>', 'run folder name (default: program-<instrument>-s<seed>)')
    .option('--resume', 'continue the run in the run folder')
    .action(async (flags: ProgramFlags) => {
      await runProgramCommand(flags);
    });
}
