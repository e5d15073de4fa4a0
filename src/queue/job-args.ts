import { UserError } from '../util/errors.ts';
import { relativeToRuns } from './jobs.ts';

/** How a flag a job may carry takes its value: none, a value, a file, or a file unless it reads as a value. */
type FlagValue = 'switch' | 'value' | 'file' | 'file-or-value';

/**
 * The `cultune train` flags a job may carry (what trainJobArgs writes) and nothing else: where output
 * goes, datasets, caches and printing are the worker's own. A flag missing here is refused by every
 * worker, so that a new setting is queued only once someone has decided whether its value names a file.
 * Values are then checked by the command line's own parsers.
 */
const JOB_FLAGS: Readonly<Record<string, FlagValue>> = {
  '--country': 'value',
  '--instrument': 'value',
  '--format': 'value',
  '--max-new-tokens': 'value',
  '--k': 'value',
  '--space': 'value',
  '--dim': 'value',
  '--init': 'value',
  '--init-text': 'value',
  '--strategy': 'value',
  '--pop': 'value',
  '--budget': 'value',
  '--generations': 'value',
  '--stagnation': 'value',
  '--seed': 'value',
  '--placement': 'value',
  '--holdout': 'value',
  '--fallback': 'value',
  '--targets': 'file',
  '--allow-partial-target': 'switch',
  // Instrument settings (SURVEY_OPTIONS, and the options of VSM 2013, GlobalOpinionQA and MultiTP).
  '--variants': 'value',
  '--answer': 'value',
  '--metric': 'value',
  '--questions': 'value',
  '--dilemmas': 'value',
  '--constants': 'file-or-value',
};

export const JOB_FLAG_NAMES: readonly string[] = Object.keys(JOB_FLAGS);

/** Control characters (but tab and newline, which an --init-text may hold) would reach terminals through messages. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** A file a job's flag names, and where its value stands in the job's args. */
export interface JobFile {
  flag: string;
  value: string;
  index: number;
}

/**
 * The values of `--constants` that name no file (constantsFromFlag): `zero`, `anchored`,
 * `anchored:A,B,...` and DIM=NUMBER pairs. Any other value is a file, so that a form added there later
 * is taken for a file (and must lie inside the runs folder) until it is added here.
 */
const NOT_A_FILE = /^(zero|anchored|anchored:.*|[^=]*=.*)$/s;

function namesFile(kind: FlagValue, value: string): boolean {
  return kind === 'file' || (kind === 'file-or-value' && !NOT_A_FILE.test(value));
}

/**
 * Checks a job's args token by token against JOB_FLAGS (each flag at most once, a switch alone, every
 * other flag with a value, no control characters; no `--flag=value` form and no stray words) and
 * returns the files they name. A problem is one line starting with `what`.
 */
export function checkJobArgs(args: readonly string[], what: string): JobFile[] {
  const files: JobFile[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < args.length; index++) {
    const flag = args[index];
    const kind = Object.hasOwn(JOB_FLAGS, flag) ? JOB_FLAGS[flag] : undefined;
    if (kind === undefined) {
      throw new UserError(`${what}: ${JSON.stringify(flag)} is not a flag a job may carry (${JOB_FLAG_NAMES.join(', ')})`);
    }
    if (seen.has(flag)) throw new UserError(`${what}: ${flag} is given twice`);
    seen.add(flag);
    if (kind === 'switch') continue;
    const value = args[++index];
    if (value === undefined) throw new UserError(`${what}: ${flag} has no value`);
    if (CONTROL.test(value)) throw new UserError(`${what}: the value of ${flag} holds control characters`);
    if (namesFile(kind, value)) files.push({ flag, value, index });
  }
  return files;
}

/** The args with every file they name made relative to `runs` (where workers look for it); one line for a file outside. */
export function argsRelativeToRuns(args: readonly string[], runs: string): string[] {
  const relative = [...args];
  for (const file of checkJobArgs(args, 'job')) relative[file.index] = relativeToRuns(runs, file.value, file.flag);
  return relative;
}

