import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.ts';
import type { JobRequest } from './job-request.ts';
import { UnreadableJobData } from './stored-jobs.ts';

/**
 * A queued training run, as it travels through Redis. Anyone who can write to the queue can write one,
 * so a worker trusts none of it: `request` is checked by the job schema (job-request.ts), its values by
 * the parsers of the command line, and nothing here may name a path outside the worker's `--runs` folder.
 */
export interface TrainJobData {
  /** The run folder's name inside `--runs`, and the job's id: one job per run folder. */
  run: string;
  /** The run (country, instrument, soft prompt, search, target), as JSON; no output or model paths. */
  request: JobRequest;
  /** SHA-256 of the model graph the run is trained on; a worker serving another model does not take it. */
  model: string;
  /** Eval conditions to run into the folder after training (eval-<condition>.json). */
  eval: string[];
}

/** What a finished job returns (BullMQ keeps it with the completed job). */
export interface TrainJobResult {
  run: string;
  bestLoss: number;
  stopReason: string;
  /** True when the run folder held a finished run already. */
  skipped: boolean;
}

/** Progress a worker reports after each generation (BullMQ job progress). */
export interface TrainJobProgress {
  generation: number;
  evaluations: number;
  budget: number;
  bestLoss: number;
}

export function describeProgress({ generation, evaluations, budget, bestLoss }: TrainJobProgress): string {
  return `gen ${generation} | evals ${evaluations}/${budget} | best ${bestLoss.toFixed(3)}`;
}

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_CONDITION_LENGTH = 100;

function fail(id: string, problem: string): never {
  throw new UserError(`job ${id}: ${problem}`);
}

function isStringArray(value: unknown, max: number): value is string[] {
  return Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string' && item.length <= MAX_CONDITION_LENGTH);
}

/** The job's data checked for shape: the envelope. Its request is checked by the job schema (checkJobRequest). */
export function readJobData(id: string, data: unknown): TrainJobData {
  if (data instanceof UnreadableJobData) fail(id, data.problem);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail(id, 'data is not an object');
  const { run, request, model, eval: conditions, ...rest } = data as Record<string, unknown>;
  // A job of an earlier cultune carried its run as `train` flags (args): this version reads only requests.
  if ('args' in rest && request === undefined) fail(id, 'its run is a command line (args), the job format of an earlier cultune; drain it (cultune queue drain) and enqueue the run again with this version (cultune sweep --queue)');
  const extra = Object.keys(rest);
  if (extra.length > 0) fail(id, `unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`);
  if (typeof run !== 'string' || !RUN_NAME.test(run)) fail(id, `run ${JSON.stringify(run)} is not a run folder name (letters, digits, '_' and '-')`);
  if (run !== id) fail(id, `run ${run} differs from the job id`);
  if (typeof request !== 'object' || request === null || Array.isArray(request)) fail(id, 'request is not an object');
  if (typeof model !== 'string' || !SHA256.test(model)) fail(id, 'model must be the SHA-256 of a model graph (64 hex digits)');
  if (!isStringArray(conditions, 3)) fail(id, 'eval must be a list of conditions');
  return { run, request: request as JobRequest, model, eval: conditions };
}

/**
 * The real path of `target`, even where it does not exist yet: its nearest existing ancestor with
 * symbolic links followed, and the rest appended. A dangling link is where a write would follow it
 * elsewhere: it has no real path (undefined).
 */
function realPathOf(target: string): string | undefined {
  const rest: string[] = [];
  let existing = path.resolve(target);
  while (!fs.lstatSync(existing, { throwIfNoEntry: false })) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  try {
    return path.join(fs.realpathSync(existing), ...rest);
  } catch {
    return undefined;
  }
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative));
}

/**
 * A path a job names, resolved inside `runs`: relative, no `..`, and still inside after symbolic links
 * are followed (of the path or of its nearest existing ancestor), so that a job can neither read nor
 * write anything the worker's user could otherwise reach. Returns the path joined to `runs`.
 */
export function resolveInsideRuns(runs: string, relative: string, what: string): string {
  if (relative === '' || path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw new UserError(`${what} ${JSON.stringify(relative)} must be a path inside the runs folder, relative to it`);
  }
  const full = path.join(runs, relative);
  const [root, real] = [realPathOf(runs), realPathOf(full)];
  if (root === undefined || real === undefined || !isInside(root, real)) throw new UserError(`${what} ${relative} leads outside the runs folder`);
  return full;
}

/** A file a job names (a targets or constants file): inside `runs` as resolveInsideRuns has it, and there. */
export function pathInsideRuns(runs: string, relative: string, what: string): string {
  const full = resolveInsideRuns(runs, relative, what);
  if (!fs.existsSync(full)) throw new UserError(`${what} ${relative}: no such file in the runs folder ${runs}`);
  return full;
}

/** The symbolic links under `dir` (itself included), relative to it. */
function linksUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((entry) => fs.lstatSync(path.join(dir, entry)).isSymbolicLink());
}

/**
 * The folder a job trains into, `runs/<run>`: a folder of its own, not a link (which would have the job
 * write where it leads, or into another run's folder), and holding no link (which train or eval would
 * read or write through). Checked before anything in it is read.
 */
export function checkRunFolder(runs: string, run: string, what: string): string {
  const dir = path.join(runs, run);
  const stats = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (stats?.isSymbolicLink()) throw new UserError(`${what}: ${dir} is a symbolic link; a run folder must be a folder of its own inside the runs folder (remove the link)`);
  if (stats && !stats.isDirectory()) throw new UserError(`${what}: ${dir} is not a folder; remove it or move it out of the runs folder`);
  resolveInsideRuns(runs, run, `${what}: the run folder`);
  const links = stats ? linksUnder(dir) : [];
  if (links.length > 0) throw new UserError(`${what}: ${dir} holds the symbolic link ${links[0]}; a run folder holds only the files cultune writes (remove the link)`);
  return dir;
}

/** The path of `file` relative to `runs`, for a job to name it; one line when it lies outside. */
export function relativeToRuns(runs: string, file: string, what: string): string {
  const relative = path.relative(path.resolve(runs), path.resolve(file));
  if (relative === '' || relative.split(path.sep)[0] === '..' || path.isAbsolute(relative)) {
    throw new UserError(`${what} ${file} lies outside --out ${runs}: workers read it from the shared runs folder, so put it there`);
  }
  return relative;
}
