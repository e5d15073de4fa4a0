import { InvalidArgumentError, Option, type Command } from 'commander';
import { CULTURALBENCH_TASK, taskNamed, taskNames, type EvalTask } from '../../eval/tasks.ts';
import { tryLoadCulturalBench, type Availability } from '../../culturalbench/index.ts';
import { askedInstrument } from '../../eval/eval-record.ts';
import { isCondition, isDiscaCondition, recordConditions, usesProgram, usesSoftPrompt, type EvalCondition } from '../../eval/conditions.ts';
import { programSettings } from '../../eval/program-condition.ts';
import { readFinishedProgram, type ProgramRecord } from '../../program/run.ts';
import { discaRefusal } from '../../eval/evaluate-disca.ts';
import { addDiscaOptions, discaPlan, type DiscaFlags } from '../disca-options.ts';
import { evaluateSubject, evaluateSubjectCulturalBench, runSubject, type EvalOptions, type EvalSubject } from '../../eval/evaluate-run.ts';
import { evaluateFront } from '../../eval/front-eval.ts';
import { checkSameModel, FRONT_FILE, readFront, readRunInfo } from '../../train/run-files.ts';
import { formatEvalRecord } from '../../report/eval-table.ts';
import { comparisonLine } from '../../report/statistics-tables.ts';
import { comparisonsInFolder } from '../../eval/condition-comparisons.ts';
import { instrumentFromStored, storedInstrument } from '../../instruments/index.ts';
import { calibratedSpec, calibrationCacheDir } from '../../instruments/vsm13/calibration.ts';
import type { DiscaPlan } from '../../instruments/multitp/disca/index.ts';
import { checkWritable } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { readSettings, type Settings } from '../../util/settings.ts';
import { addInstrumentOptions, instrumentFromFlags, loadInstrumentData, settingFlags, type InstrumentFlags } from '../instrument-options.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { addCulturalBenchSamplingOptions, type CulturalBenchSamplingFlags } from '../culturalbench-options.ts';
import { progressReporter } from '../progress.ts';
import { VERSION } from '../../util/version.ts';
import { addTargetOptions, targetFromFlags, type TargetFlags } from './targets.ts';
import { nonEmptyPath } from '../parsers.ts';

interface EvalFlags extends TargetFlags, InstrumentFlags, Omit<ModelFlags, 'model'>, CulturalBenchSamplingFlags, DiscaFlags {
  baseline?: 'none' | 'persona' | 'disca';
  conditions?: EvalCondition[];
  instruments?: string[];
  logSamples?: boolean;
  model?: string;
  out?: string;
  culturalbenchData?: string;
  download: boolean;
  json?: boolean;
  front?: boolean;
  compare?: string[];
  program?: string;
}

/** `eval RUN --front`: every member of a multi-objective run's front, the baselines and --compare runs, on held-out questions. */
async function runFrontEval(runDir: string | undefined, flags: EvalFlags): Promise<void> {
  if (runDir === undefined) throw new UserError('--front needs a run folder trained with --objectives');
  if (flags.baseline !== undefined) throw new UserError('--front evaluates the baselines itself; leave out --baseline');
  if (flags.conditions || flags.instruments || flags.logSamples) throw new UserError('--front evaluates its own conditions on held-out CulturalBench questions; leave out --conditions, --instruments and --log-samples');
  const info = readRunInfo(runDir);
  // A damaged front.json is named before the model loads.
  if (info.objectives && !readFront(runDir)) throw new UserError(`${runDir} is a multi-objective run without its ${FRONT_FILE}, which its first generation writes: train it first`);
  if (flags.data !== undefined) throw new UserError(`--data is the instrument's dataset for a baseline without a run folder; ${runDir} has its own target`);
  const settings = readSettings();
  const culturalBench = await tryLoadCulturalBench(settings, { dataDir: flags.culturalbenchData, download: flags.download });
  const model = await openModel({ model: flags.model ?? info.model.dir, device: flags.device, threads: flags.threads }, settings, flags.json === true);
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

/** `--conditions none,persona,soft`: each once, in the order given. */
function parseConditions(value: string): EvalCondition[] {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !isCondition(name));
  if (unknown !== undefined) throw new InvalidArgumentError(`expected a comma-separated list of ${recordConditions().join(', ')}, got "${unknown}"`);
  if (new Set(names).size !== names.length) throw new InvalidArgumentError(`each condition once, got "${value}"`);
  return names as EvalCondition[];
}

/** `--instruments vsm13,culturalbench`: names checked against the subject's instrument once it is known. */
function parseInstruments(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '') || new Set(names).size !== names.length) throw new InvalidArgumentError(`expected a comma-separated list of distinct names, got "${value}"`);
  return names;
}


/** The conditions asked: --conditions, or --baseline's one (what it always meant), or the run's soft prompt. */
function conditionsOf(runDir: string | undefined, flags: EvalFlags): EvalCondition[] {
  if (flags.baseline !== undefined && flags.conditions !== undefined) throw new UserError(`--baseline ${flags.baseline} is --conditions ${flags.baseline}: give one of them`);
  const conditions = flags.conditions ?? (flags.baseline ? [flags.baseline] : ['soft' as const]);
  const prompted = conditions.find(usesSoftPrompt);
  if (runDir === undefined && prompted !== undefined) {
    if (flags.conditions === undefined) throw new UserError('give a run folder (cultune eval RUN), or --baseline none|persona with --model, --country and --out');
    throw new UserError(`the ${prompted} condition ${prompted === 'soft' ? 'is' : 'steers'} a run's prompt: give its run folder (cultune eval RUN), or --conditions none,persona without one`);
  }
  return conditions;
}

/**
 * Which parts are asked: the subject's instrument, CulturalBench (default both) and any registered task
 * (src/eval/tasks.ts); a name that is none of them is refused.
 */
function partsOf(flags: EvalFlags, instrument: string): { instrument: boolean; culturalBench: boolean; tasks: EvalTask[] } {
  const names = flags.instruments ?? [instrument, CULTURALBENCH_TASK];
  const other = names.find((name) => name !== instrument && !taskNames().includes(name));
  if (other !== undefined) {
    throw new UserError(`--instruments: ${other} is neither this evaluation's instrument (${instrument}) nor a task (${taskNames().join(', ')}); give --instruments ${instrument},${CULTURALBENCH_TASK} or one of them`);
  }
  const tasks = names.flatMap((name) => taskNamed(name) ?? []);
  const parts = { instrument: names.includes(instrument), culturalBench: names.includes(CULTURALBENCH_TASK), tasks };
  if (!parts.culturalBench && flags.culturalbenchData !== undefined) throw new UserError(`--culturalbench-data is for CulturalBench, which --instruments ${names.join(',')} leaves out`);
  if (!parts.culturalBench && tasks.length === 0 && flags.limit !== undefined) throw new UserError(`--culturalbench-data and --limit are for CulturalBench, which --instruments ${names.join(',')} leaves out`);
  return parts;
}

/** One subject per condition, sharing the instrument, target and output folder; read and checked before any model is loaded. */
async function subjectsOf(runDir: string | undefined, flags: EvalFlags, settings: Settings): Promise<EvalSubject[]> {
  const conditions = conditionsOf(runDir, flags);
  if (runDir !== undefined) {
    if (flags.country !== undefined || flags.targets !== undefined || flags.target !== undefined) {
      throw new UserError(`--country, --targets and --target are for a baseline without a run folder; ${runDir} has its own target`);
    }
    if (flags.data !== undefined) {
      throw new UserError(`--data is the instrument's dataset for a baseline without a run folder; ${runDir} has its own target`);
    }
    const subjects = conditions.map((condition) => runSubject(runDir, condition, { modelDir: flags.model, outDir: flags.out }));
    const [subject] = subjects;
    if (flags.instrument !== undefined && flags.instrument !== subject.instrument.instrument.name) {
      throw new UserError(`${runDir} was trained on ${subject.instrument.instrument.name}; --instrument is for a baseline without a run folder`);
    }
    // The run's own settings (scale, loss) and format, so the baselines compare with its training loss; flags given override them.
    const info = subject.run?.info.instrument ?? storedInstrument(subject.instrument);
    const instrument = instrumentFromStored(info, settingFlags(flags, info.name), flags);
    return subjects.map((s) => ({ ...s, instrument }));
  }
  const spec = instrumentFromFlags(flags);
  const instrument = { ...spec, data: await loadInstrumentData(spec.instrument, flags, settings, flags.json === true) };
  const target = targetFromFlags(flags, instrument);
  if (!flags.model || !target || !flags.out) throw new UserError('a baseline without a run folder needs --model DIR, --country X and --out DIR');
  const { model: modelDir, out: outDir } = flags;
  return conditions.map((condition) => ({ condition, instrument, target, modelDir, outDir }));
}

/**
 * The DISCA panel and parameters where a disca or soft+disca condition is asked, read and checked
 * before the model loads; the panel flags without such a condition are refused.
 */
function discaOf(subjects: readonly EvalSubject[], flags: EvalFlags, instrumentAsked: boolean): DiscaPlan | undefined {
  const asked = subjects.map((s) => s.condition).filter(isDiscaCondition);
  if (asked.length === 0) {
    if (flags.personas !== undefined || flags.wvs !== undefined || flags.discaPanelFrom !== undefined) {
      throw new UserError('--personas, --wvs and --disca-panel-from are for DISCA: add --conditions disca (or soft+disca with a run folder)');
    }
    return undefined;
  }
  const what = `--conditions ${asked.join(',')}`;
  const refusal = discaRefusal(subjects[0].instrument);
  if (refusal) throw new UserError(`${what}: ${refusal}`);
  if (!instrumentAsked) throw new UserError(`${what} steers ${subjects[0].instrument.instrument.title}: leave it in --instruments`);
  if (flags.logSamples) throw new UserError(`${what}: --log-samples writes plain requests, and DISCA's answers are steered from several; leave out --log-samples or the DISCA conditions`);
  return discaPlan(flags, subjects[0].target, what);
}

/**
 * The program run of the programmed conditions, read and checked before the model loads; --program
 * without such a condition, or such a condition without --program, is refused.
 */
function programOf(subjects: readonly EvalSubject[], flags: EvalFlags): ProgramRecord | undefined {
  const asked = subjects.map((s) => s.condition).filter(usesProgram);
  if (asked.length === 0) {
    if (flags.program !== undefined) throw new UserError('--program is for the programmed conditions: add --conditions programmed (or programmed+soft with a run folder)');
    return undefined;
  }
  if (flags.program === undefined) throw new UserError(`--conditions ${asked.join(',')} asks with a searched instruction: give its program run with --program DIR (written by cultune program)`);
  return readFinishedProgram(flags.program);
}

/** CulturalBench as the parts ask for it: loaded once for every condition, or marked as not asked. */
async function culturalBenchFor(flags: EvalFlags, settings: Settings, asked: boolean): Promise<Availability> {
  if (!asked) return { available: false, reason: `CulturalBench not asked (--instruments ${flags.instruments?.join(',')})` };
  return tryLoadCulturalBench(settings, { dataDir: flags.culturalbenchData, download: flags.download });
}

async function runEval(runDir: string | undefined, flags: EvalFlags): Promise<void> {
  // Everything a user can get wrong is checked before the model is loaded.
  const settings = readSettings();
  const subjects = await subjectsOf(runDir, flags, settings);
  const [first] = subjects;
  const parts = partsOf(flags, first.instrument.instrument.name);
  const disca = discaOf(subjects, flags, parts.instrument);
  const programRun = programOf(subjects, flags);
  const program = programRun && programSettings(flags.program!, programRun, first.instrument, first.target.country.name);
  checkWritable(first.outDir, 'folder');
  // One model for every condition.
  const model = await openModel({ ...flags, model: first.modelDir, modelFile: first.modelFile ?? flags.modelFile }, settings, flags.json === true, { format: first.instrument.format });
  // A program's instruction was searched on one model: another one is refused as a run's would be.
  if (programRun) checkSameModel(`${flags.program} (a program search)`, programRun.definition.model, model.sourceHash);
  const culturalBench = await culturalBenchFor(flags, settings, parts.culturalBench);
  // The table says it in text mode; with --json, stderr is the one place a reader sees it.
  if (parts.culturalBench && !culturalBench.available && flags.json) process.stderr.write(`cultune: ${culturalBench.reason}; ${first.instrument.instrument.title} only\n`);

  const printed: unknown[] = [];
  try {
    // A run's stored constants stand; a baseline's anchored ones are fitted here once, leaving out its country.
    const instrument = parts.instrument
      ? await calibratedSpec(model, first.instrument, first.target.country, { cacheDir: calibrationCacheDir(settings), say: flags.json ? undefined : (line) => process.stderr.write(`cultune: ${line}\n`) })
      : first.instrument;
    for (const subject of subjects) {
      const progress = progressReporter(subjects.length > 1 ? `eval ${subject.condition}` : 'eval', 1);
      const options: EvalOptions = {
        culturalBench,
        limit: flags.limit,
        seed: flags.seed,
        bootstrap: flags.bootstrap,
        version: VERSION,
        logSamples: flags.logSamples,
        disca,
        program,
        tasks: parts.tasks,
        onProgress: (done, total) => progress.update(done, total),
      };
      const calibrated = { ...subject, instrument };
      const { record, files } = await (parts.instrument ? evaluateSubject(model, calibrated, options) : evaluateSubjectCulturalBench(model, calibrated, options)).finally(() => progress.stop());
      if (flags.json) {
        printed.push(record);
        continue;
      }
      // Paired tests against the other conditions already evaluated in the folder: the numbers report shows.
      const comparisons = askedInstrument(record) ? comparisonsInFolder(subject.outDir, record).map((c) => `  ${comparisonLine(c)}`) : [];
      const paired = comparisons.length > 0 ? ['paired tests, loss difference [95% CI] (negative: the first is closer to the target):', ...comparisons] : [];
      process.stdout.write(`${[...formatEvalRecord(record), ...paired].join('\n')}\n${files.map((file) => `wrote ${file}`).join('\n')}\n`);
    }
    // One record prints as before; several as a list, in the order of --conditions.
    if (flags.json) process.stdout.write(`${JSON.stringify(printed.length === 1 ? printed[0] : printed, null, 2)}\n`);
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  const command = program
    .command('eval')
    .description("The run's instrument (scores, loss against its target) and CulturalBench Easy/Hard for a run's soft prompt or baselines; writes eval-<condition>.json and results-<condition>.json (lm-evaluation-harness's layout)")
    .argument('[run]', 'run folder written by cultune train (holds run.json and prompt.json)');
  addCulturalBenchSamplingOptions(addModelOptions(addTargetOptions(command), { model: 'optional', modelHelp: "ONNX model folder (default: the run's model)" }))
    .addOption(new Option('--baseline <kind>', "evaluate a baseline for the run's country instead of its prompt (the same as --conditions <kind>; disca: MultiTP steered by --personas or --wvs)").choices(['none', 'persona', 'disca']))
    .option('--conditions <list>', "conditions to evaluate with one model load, e.g. none,persona,soft (default: soft with a run folder); programmed and programmed+soft (an instruction from --program, alone or on the run's prompt); for MultiTP disca and soft+disca (DISCA on the run's prompt); each writes its eval-<condition>.json", parseConditions)
    .option('--instruments <list>', "what to ask: the run's instrument and/or culturalbench, e.g. vsm13,culturalbench (default: both)", parseInstruments)
    .option('--log-samples', 'also write every request as asked, one JSON line each: samples-<condition>-<instrument>.jsonl and samples-<condition>-culturalbench.jsonl')
    .option('--out <dir>', 'where eval-<condition>.json goes (default: the run folder; required without one)', nonEmptyPath)
    .option('--culturalbench-data <dir>', 'local copies of the CulturalBench CSV files (default: the cache, downloading if needed)')
    .option('--no-download', 'use the cached datasets only (CulturalBench, and the instrument\'s for a baseline)')
    .option('--json', 'print the JSON record instead of the table')
    .option('--front', 'multi-objective runs: every member of the front, none and persona, on the held-out questions (writes front-eval.json)')
    .option('--compare <runs...>', 'with --front: single-objective run folders to place beside the front')
    .option('--program <dir>', 'with --conditions programmed or programmed+soft: the program run (cultune program) whose instruction is asked', nonEmptyPath);
  addInstrumentOptions(addDiscaOptions(command))
    .action((run: string | undefined, flags: EvalFlags) => (flags.front ? runFrontEval(run, flags) : runEval(run, flags)));
}
