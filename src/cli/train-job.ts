import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { Availability } from '../culturalbench/index.ts';
import { parseStrategy, type Strategy } from '../de/index.ts';
import type { LoadedModel } from '../model/index.ts';
import { checkNewTokens } from '../model/request-limits.ts';
import { checkJobArgs, JOB_FLAG_NAMES, type JobFile } from '../queue/job-args.ts';
import { checkRunFolder, pathInsideRuns, readJobData, type TrainJobData, type TrainJobResult } from '../queue/jobs.ts';
import { JobNotForThisWorker, JobRejected, type JobControl } from '../queue/worker.ts';
import { EVAL_CONDITIONS, evalFileName, type EvalCondition } from '../eval/eval-record.ts';
import { evaluateSubject, runSubject } from '../eval/evaluate-run.ts';
import { CLASSIFY, type AnyInstrument, type SettingFlags } from '../instruments/index.ts';
import { newRunInfo, runDefinition, runFolderName, runLabel, trainingTarget } from '../train/new-run.ts';
import type { RunDefinition } from '../train/run-files.ts';
import { planSweep, type SweepRun } from '../train/sweep.ts';
import { train } from '../train/train.ts';
import { UserError, describeError } from '../util/errors.ts';
import { addTargetOptions, targetRequestFromFlags, type TargetFlags } from './commands/targets.ts';
import { addTrainingOptions, runRequest, type TrainingFlags } from './commands/train.ts';
import type { InstrumentFlags } from './instrument-options.ts';
import type { SearchSettings } from '../train/search-space.ts';
import { VERSION } from './version.ts';

/**
 * A queued run is `cultune train` flags, checked on the worker first against the flags a job may carry
 * (checkJobArgs), then by the very parsers of the command line, so a job can set nothing a user could
 * not, and name no file outside the runs folder.
 */
type JobFlags = Pick<TrainingFlags, keyof SearchSettings | 'k' | 'init' | 'placement' | 'holdout' | 'instrument' | 'allowPartialTarget' | 'extendBudget'> & InstrumentFlags & TargetFlags;

function jobFlagParser(): Command {
  const parser = new Command('job').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }).helpOption(false);
  for (const option of addTrainingOptions(addTargetOptions(new Command())).options) {
    if (JOB_FLAG_NAMES.includes(option.long ?? '')) parser.addOption(option);
  }
  return parser;
}

/** How to see what is wrong with a job-named file, locally: the failure reason does not quote the file. */
const FILE_CHECKS: Readonly<Record<string, string>> = {
  '--targets': 'cultune targets --country COUNTRY --targets FILE',
  '--constants': "cultune train --constants FILE with the run's other flags",
};

/**
 * Runs a step that reads the files a job names. A file's parser may quote it in its message (a key, a
 * cell, JSON.parse's excerpt), and a failure reason goes to everyone who reads the queue: a problem with
 * a job-named file is told by the file's name and line, not by its content.
 */
function withoutFileContents<T>(id: string, files: readonly (JobFile & { full: string })[], step: () => T): T {
  try {
    return step();
  } catch (error) {
    const message = describeError(error);
    const file = files.find((f) => message.startsWith(f.full));
    if (!(error instanceof UserError) || !file) throw error;
    const rest = message.slice(file.full.length);
    const line = /^:?\s*(?:line )?(\d+)\b/.exec(rest)?.[1];
    const syntax = /not valid (JSON|CSV|UTF-8)/.exec(rest)?.[1];
    const problem = syntax ? `is not valid ${syntax}` : 'holds a value cultune does not accept';
    throw new UserError(`job ${id}: ${file.flag} ${file.value} (in the runs folder) ${problem}${line ? ` at line ${line}` : ''}; to see the details, run ${FILE_CHECKS[file.flag]} on it`);
  }
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The `train` flags of one run of a sweep, as a job carries them: the instrument with the setting flags
 * the sweep was given (its defaults stay the worker's), the search and the soft prompt's record.
 */
export function trainJobArgs(
  country: string,
  definition: Pick<RunDefinition, 'instrument' | 'search' | 'softPrompt' | 'holdout'>,
  instrumentFlags: SettingFlags,
  target: { fallback: string; targets?: string; allowPartialTarget?: boolean },
): string[] {
  const args = ['--country', country, '--instrument', definition.instrument.name];
  for (const [key, value] of Object.entries(instrumentFlags)) if (value !== undefined) args.push(flagName(key), value);
  const { name: format, maxNewTokens } = definition.instrument.format ?? CLASSIFY;
  args.push('--format', format, ...(maxNewTokens === undefined ? [] : ['--max-new-tokens', String(maxNewTokens)]));
  const { initText, ...prompt } = definition.softPrompt;
  for (const [key, value] of Object.entries({ ...definition.search, ...prompt })) if (value !== undefined) args.push(flagName(key), String(value));
  // The split as the run stores it (0: none), so a worker draws the same one.
  args.push('--holdout', String(definition.holdout?.fraction ?? 0));
  // The country's own text: without {country} in it, the worker resolves it to itself.
  if (initText !== undefined) args.push('--init-text', initText);
  args.push('--fallback', target.fallback);
  if (target.targets !== undefined) args.push('--targets', target.targets);
  if (target.allowPartialTarget) args.push('--allow-partial-target');
  return args;
}

/** Eval conditions named by a flag or a job: a subset of none, persona, soft. */
export function parseEvalConditions(values: readonly string[], what: string): EvalCondition[] {
  const unknown = values.filter((value) => !(EVAL_CONDITIONS as readonly string[]).includes(value));
  if (unknown.length > 0) throw new UserError(`${what}: unknown condition ${unknown.join(', ')}; expected any of ${EVAL_CONDITIONS.join(', ')}`);
  return [...new Set(values as EvalCondition[])];
}

/** A job, checked and planned against its run folder; nothing is loaded or written yet. */
export interface PlannedJob {
  run: SweepRun;
  flags: JobFlags;
  model: string;
  eval: EvalCondition[];
}

/** The dataset an instrument takes its targets from (read once per process: the caller may cache it). */
export type InstrumentDataLoader = (instrument: AnyInstrument) => Promise<unknown>;

/**
 * Checks a job as `sweep` checks its flags; every problem is JobRejected (fails once, not retried). An
 * instrument whose targets come from a dataset (GlobalOpinionQA) has it read by `loadData` first, and its targets read from it.
 */
export async function planTrainJob(id: string, data: unknown, runs: string, loadData: InstrumentDataLoader): Promise<PlannedJob> {
  try {
    const job: TrainJobData = readJobData(id, data);
    const files = checkJobArgs(job.args, `job ${id}`).map((file) => ({ ...file, full: pathInsideRuns(runs, file.value, `job ${id}: ${file.flag}`) }));
    const args = [...job.args];
    for (const file of files) args[file.index] = file.full;
    let flags: JobFlags;
    try {
      flags = jobFlagParser().parse(args, { from: 'user' }).opts<JobFlags>();
    } catch (error) {
      if (error instanceof CommanderError) throw new UserError(`job ${id}: ${error.message.replace(/^error: /, '')}`);
      throw error;
    }
    const request = withoutFileContents(id, files, () => runRequest(flags));
    const instrument = request.instrument.instrument;
    const instrumentData = instrument.loadData ? await loadData(instrument) : undefined;
    parseStrategy(request.search.strategy as Strategy);
    const target = withoutFileContents(id, files, () =>
      trainingTarget({ instrument, data: instrumentData }, targetRequestFromFlags({ ...flags, country: flags.country as string }, instrument), !!flags.allowPartialTarget, { commandLine: false }),
    );
    const dir = path.join(runs, runFolderName(target, request.search.seed, runLabel(request.instrument)));
    if (path.basename(dir) !== job.run) throw new UserError(`job ${id}: its flags train into ${path.basename(dir)}, not ${job.run}`);
    checkRunFolder(runs, job.run, `job ${id}`);
    const [run] = planSweep([{ country: flags.country as string, definition: runDefinition(flags.country as string, target, request), dir, holdoutGiven: flags.holdout !== undefined }]);
    if (run.state !== 'new' && run.stored.model.sourceHash !== job.model) {
      throw new UserError(`${dir} was trained on another model (graph hash ${run.stored.model.sourceHash.slice(0, 12)}) than job ${id} asks for`);
    }
    return { run, flags, model: job.model, eval: parseEvalConditions(job.eval, `job ${id}: eval`) };
  } catch (error) {
    throw error instanceof UserError ? new JobRejected(describeError(error)) : error;
  }
}

/**
 * A job's --max-new-tokens against the worker's model, as `train` checks it before loading one
 * (model-options.ts): past the context, generation would fail deep in the first generation, and
 * every retry the same way, so the job fails once, in one line.
 */
function checkJobNewTokens(id: string, definition: Pick<RunDefinition, 'instrument'>, model: LoadedModel): void {
  const maxNewTokens = definition.instrument.format?.maxNewTokens;
  if (maxNewTokens === undefined) return;
  try {
    checkNewTokens(maxNewTokens, model.config.maxPositions);
  } catch (error) {
    throw error instanceof UserError ? new JobRejected(`job ${id}: ${error.message}`) : error;
  }
}

/** What a worker holds for all its jobs: the loaded model and where CulturalBench comes from. */
export interface JobContext {
  model: LoadedModel;
  culturalBench: () => Promise<Availability>;
}

/**
 * Trains one planned job into its run folder (resuming from its checkpoint, or returning the finished
 * result), then writes the eval records it asks for that are not there yet. The run folder's lock and
 * checkpoints are train()'s, so a job handed from a dead worker to a live one ends as an uninterrupted run.
 */
export async function runTrainJob(job: PlannedJob, context: JobContext, control: JobControl): Promise<TrainJobResult> {
  const { run } = job;
  const { model } = context;
  if (job.model !== model.sourceHash) {
    throw new JobNotForThisWorker(`job ${path.basename(run.dir)} wants the model with graph hash ${job.model.slice(0, 12)}; this worker has ${model.sourceHash.slice(0, 12)} (--model)`);
  }
  checkJobNewTokens(path.basename(run.dir), run.definition, model);
  const finishedBefore = run.state === 'finished';
  const info = run.state === 'new' ? newRunInfo(run.definition, model, VERSION) : run.stored;
  const result = await train(run.dir, info, model, {
    interrupted: control.interrupted,
    onGeneration: (record) =>
      control.progress({ generation: record.generation, evaluations: record.evaluations, budget: info.search.budget, bestLoss: record.bestLoss }),
  });
  for (const condition of job.eval) {
    if (fs.existsSync(path.join(run.dir, evalFileName(condition, run.definition.instrument.format)))) continue;
    await evaluateSubject(model, runSubject(run.dir, condition), { culturalBench: await context.culturalBench(), seed: '0', bootstrap: 1000, version: VERSION });
  }
  return { run: path.basename(run.dir), bestLoss: result.best.loss.value, stopReason: result.stopReason, skipped: finishedBefore };
}
