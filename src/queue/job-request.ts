import { UserError } from '../util/errors.ts';
import { relativeToRuns } from './jobs.ts';

/**
 * The run a queued job asks for, as JSON: the `train` request a sweep planned, in the shape of the run
 * record (instrument, soft prompt, search, held-out fraction) plus where its target comes from. Where
 * output goes, datasets, caches and printing are the worker's own, so none of them is a field.
 */
export interface JobRequest {
  country: string;
  instrument: {
    name: string;
    /** The instrument's setting flags the sweep was given, by key (`variants`, `constants`, ...); its defaults stay the worker's. */
    settings: Record<string, string>;
    format: { name: string; maxNewTokens?: number };
  };
  softPrompt: { k: number; init: string; placement: string; initText?: string };
  search: { space: string; dim?: number; strategy: string; pop: number; budget: number; generations?: number; stagnation?: number; seed: number };
  /** The held-out fraction as the run stores it (0: none), so a worker draws the same split. */
  holdout: number;
  /** `targets`: a file relative to the runs folder. */
  target: { fallback: string; targets?: string; allowPartialTarget?: boolean };
}

/** A leaf of the request: its JSON type, whether it may be absent, and the `train` flag whose parser checks its value. */
interface Field {
  type: 'string' | 'number' | 'boolean';
  flag: string;
  optional?: boolean;
  /** The value names a file (inside the runs folder): always, or unless it reads as a value (`--constants zero`). */
  file?: 'always' | 'unless-value';
}

type Shape = { readonly [key: string]: Field | Shape };

const value = (type: Field['type'], flag: string, more: Partial<Field> = {}): Field => ({ type, flag, ...more });

/**
 * The schema: every field a job may carry and nothing else. A field missing here is refused by every
 * worker, so that a new setting is queued only once someone has decided whether its value names a file.
 * `instrument.settings` is checked against the instruments' own setting flags (JOB_SETTINGS).
 */
const SCHEMA: Shape = {
  country: value('string', '--country'),
  instrument: {
    name: value('string', '--instrument'),
    format: { name: value('string', '--format'), maxNewTokens: value('number', '--max-new-tokens', { optional: true }) },
  },
  softPrompt: { k: value('number', '--k'), init: value('string', '--init'), placement: value('string', '--placement'), initText: value('string', '--init-text', { optional: true }) },
  search: {
    space: value('string', '--space'),
    dim: value('number', '--dim', { optional: true }),
    strategy: value('string', '--strategy'),
    pop: value('number', '--pop'),
    budget: value('number', '--budget'),
    generations: value('number', '--generations', { optional: true }),
    stagnation: value('number', '--stagnation', { optional: true }),
    seed: value('number', '--seed'),
  },
  holdout: value('number', '--holdout'),
  target: { fallback: value('string', '--fallback'), targets: value('string', '--targets', { optional: true, file: 'always' }), allowPartialTarget: value('boolean', '--allow-partial-target', { optional: true }) },
};

/** The instrument settings a job may carry (SURVEY_OPTIONS, and the options of VSM 2013, GlobalOpinionQA and MultiTP), by key. */
const JOB_SETTINGS: Shape = {
  variants: value('string', '--variants', { optional: true }),
  answer: value('string', '--answer', { optional: true }),
  metric: value('string', '--metric', { optional: true }),
  questions: value('string', '--questions', { optional: true }),
  dilemmas: value('string', '--dilemmas', { optional: true }),
  constants: value('string', '--constants', { optional: true, file: 'unless-value' }),
};

export const JOB_SETTING_FLAGS: readonly string[] = Object.values(JOB_SETTINGS).map((field) => (field as Field).flag);

/** Control characters (but tab and newline, which an init text may hold) would reach terminals through messages. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const MAX_STRING = 1000;

/**
 * The values of `--constants` that name no file (constantsFromFlag): `zero`, `anchored`,
 * `anchored:A,B,...` and DIM=NUMBER pairs. Any other value is a file, so that a form added there later
 * is taken for a file (and must lie inside the runs folder) until it is added here.
 */
const NOT_A_FILE = /^(zero|anchored|anchored:.*|[^=]*=.*)$/s;

/** One value of a checked request, where it stands and the flag whose parser reads it. */
export interface JobValue {
  /** Where it stands: `search.pop`, `instrument.settings.constants`. */
  field: string;
  flag: string;
  value: string | number | boolean;
  /** The value names a file relative to the runs folder. */
  file: boolean;
}

function isObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

function checkValue(field: string, spec: Field, data: unknown, values: JobValue[]): void {
  if (data === undefined && spec.optional) return;
  if (typeof data !== spec.type || (typeof data === 'number' && !Number.isFinite(data))) throw new UserError(`${field} must be a ${spec.type}`);
  if (typeof data === 'string' && data.length > MAX_STRING) throw new UserError(`${field} is longer than ${MAX_STRING} characters`);
  if (typeof data === 'string' && CONTROL.test(data)) throw new UserError(`${field} holds control characters`);
  const file = spec.file === 'always' || (spec.file === 'unless-value' && !NOT_A_FILE.test(data as string));
  values.push({ field, flag: spec.flag, value: data as string | number | boolean, file });
}

function checkShape(prefix: string, shape: Readonly<Record<string, Field | Shape>>, data: unknown, values: JobValue[]): void {
  if (!isObject(data)) throw new UserError(`${prefix || 'request'} is not an object`);
  const extra = Object.keys(data).filter((key) => !Object.hasOwn(shape, key) && !(prefix === 'instrument' && key === 'settings'));
  if (extra.length > 0) throw new UserError(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((key) => `${prefix}${prefix && '.'}${key}`).join(', ')}`);
  for (const [key, spec] of Object.entries(shape)) {
    const field = `${prefix}${prefix && '.'}${key}`;
    if ('type' in spec && typeof spec.type === 'string') checkValue(field, spec as Field, data[key], values);
    else checkShape(field, spec as Shape, data[key], values);
  }
}

/**
 * Checks a job's request against the schema (each field of its JSON type, no field the schema lacks,
 * no control characters) and returns its values with the flags whose parsers check them next, and
 * which of them name files. A problem is one line.
 */
export function checkJobRequest(data: unknown): { request: JobRequest; values: JobValue[] } {
  const values: JobValue[] = [];
  checkShape('', SCHEMA, data, values);
  checkShape('instrument.settings', JOB_SETTINGS, (data as { instrument: Record<string, unknown> }).instrument.settings, values);
  return { request: data as JobRequest, values };
}

/** The request with every file it names made relative to `runs` (where workers look for it); one line for a file outside. */
export function requestRelativeToRuns(request: JobRequest, runs: string): JobRequest {
  const relative = (file: string, flag: string) => relativeToRuns(runs, file, flag);
  const { constants } = request.instrument.settings;
  return {
    ...request,
    instrument: { ...request.instrument, settings: { ...request.instrument.settings, ...(constants !== undefined && !NOT_A_FILE.test(constants) && { constants: relative(constants, '--constants') }) } },
    target: { ...request.target, ...(request.target.targets !== undefined && { targets: relative(request.target.targets, '--targets') }) },
  };
}
