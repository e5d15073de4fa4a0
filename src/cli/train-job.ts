import path from 'node:path';
import { Command, InvalidArgumentError, type Option } from 'commander';
import { parseStrategy, type Strategy } from '../de/index.ts';
import { EVAL_CONDITIONS, type EvalCondition } from '../eval/conditions.ts';
import type { AnyInstrument } from '../instruments/index.ts';
import type { PlannedJob } from '../app/train-job.ts';
import { checkJobRequest, type JobRequest, type JobValue } from '../queue/job-request.ts';
import { checkRunFolder, pathInsideRuns, readJobData, type TrainJobData } from '../queue/jobs.ts';
import { JobRejected } from '../queue/worker.ts';
import { runDefinition, runFolderName, runLabel, trainingTarget } from '../train/new-run.ts';
import { checkSameModel } from '../train/run-files.ts';
import { planSweep } from '../train/sweep.ts';
import { UserError, describeError } from '../util/errors.ts';
import { addTargetOptions, targetRequestFromFlags, type TargetFlags } from './commands/targets.ts';
import { addTrainingOptions, runRequest, type TrainingFlags } from './commands/train.ts';
import type { InstrumentFlags } from './instrument-options.ts';

/**
 * A queued run is a JSON request (queue/job-request.ts), checked on the worker first against the job
 * schema, then value by value by the very parsers of the `train` flags each field stands for, so a job
 * can set nothing a user could not, and name no file outside the runs folder.
 */
type JobFlags = Pick<TrainingFlags, 'k' | 'init' | 'placement' | 'holdout' | 'allowPartialTarget' | 'space' | 'dim' | 'strategy' | 'pop' | 'budget' | 'generations' | 'stagnation' | 'seed'> & InstrumentFlags & TargetFlags & { country: string };

/** The `train` options by flag: each job field is read by its flag's parser and choices. */
function trainOptions(): Map<string, Option> {
  return new Map(addTrainingOptions(addTargetOptions(new Command())).options.map((option) => [option.long ?? '', option]));
}

/** A file a job names, and where it lies in the runs folder. */
type JobFile = JobValue & { full: string };

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
function withoutFileContents<T>(id: string, files: readonly JobFile[], step: () => T): T {
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

/** The request's values as `train` flags, each through its flag's choices and parser; files as their path in the runs folder. */
function jobFlags(id: string, values: readonly JobValue[], files: readonly JobFile[]): JobFlags {
  const options = trainOptions();
  const flags: Record<string, unknown> = {};
  for (const { field, flag, value } of values) {
    const option = options.get(flag)!;
    const file = files.find((f) => f.field === field);
    if (file) {
      flags[option.attributeName()] = file.full;
      continue;
    }
    if (typeof value === 'boolean') {
      flags[option.attributeName()] = value;
      continue;
    }
    const text = String(value);
    if (option.argChoices && !option.argChoices.includes(text)) throw new UserError(`job ${id}: ${field} ${JSON.stringify(text)} is not one of ${option.argChoices.join(', ')}`);
    try {
      flags[option.attributeName()] = option.parseArg ? option.parseArg(text, undefined) : text;
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new UserError(`job ${id}: ${field} (${flag}): ${error.message}`);
      throw error;
    }
  }
  return flags as JobFlags;
}

/** Eval conditions named by a flag or a job: a subset of none, persona, soft. */
export function parseEvalConditions(values: readonly string[], what: string): EvalCondition[] {
  const unknown = values.filter((value) => !(EVAL_CONDITIONS as readonly string[]).includes(value));
  if (unknown.length > 0) throw new UserError(`${what}: unknown condition ${unknown.join(', ')}; expected any of ${EVAL_CONDITIONS.join(', ')}`);
  return [...new Set(values as EvalCondition[])];
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
    let checked: { request: JobRequest; values: JobValue[] };
    try {
      checked = checkJobRequest(job.request);
    } catch (error) {
      throw error instanceof UserError ? new UserError(`job ${id}: ${error.message}`) : error;
    }
    const files = checked.values.filter((v) => v.file).map((v) => ({ ...v, full: pathInsideRuns(runs, v.value as string, `job ${id}: ${v.flag}`) }));
    const flags = jobFlags(id, checked.values, files);
    const request = withoutFileContents(id, files, () => runRequest(flags));
    const instrument = request.instrument.instrument;
    const instrumentData = instrument.loadData ? await loadData(instrument) : undefined;
    parseStrategy(request.search.strategy as Strategy);
    const target = withoutFileContents(id, files, () =>
      trainingTarget({ instrument, data: instrumentData }, targetRequestFromFlags(flags, instrument), !!flags.allowPartialTarget, { commandLine: false }),
    );
    const dir = path.join(runs, runFolderName(target, request.search.seed, runLabel(request.instrument)));
    if (path.basename(dir) !== job.run) throw new UserError(`job ${id}: its request trains into ${path.basename(dir)}, not ${job.run}`);
    checkRunFolder(runs, job.run, `job ${id}`);
    const [run] = planSweep([{ country: flags.country, definition: runDefinition(flags.country, target, request), dir, holdoutGiven: true }]);
    if (run.state !== 'new') checkSameModel(dir, run.stored.model.sourceHash, job.model, ` than job ${id} asks for`);
    return { run, model: job.model, eval: parseEvalConditions(job.eval, `job ${id}: eval`) };
  } catch (error) {
    throw error instanceof UserError ? new JobRejected(describeError(error)) : error;
  }
}
