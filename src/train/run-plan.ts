import { describeFormat, describeSplit, instrumentNamed } from '../instruments/index.ts';
import { UserError } from '../util/errors.ts';
import { readRunInfo, runStage, type RunDefinition, type RunInfo } from './run-files.ts';

/** A run as a command asks for it: its folder and what defines it (instrument, target, soft prompt, search). */
export interface RunPlanRequest {
  dir: string;
  definition: RunDefinition;
  /** Continue a stored run to a larger --budget (a judgement the user makes explicitly). */
  extendBudget?: boolean;
  /**
   * The command line gave --init-text. Without it the stored text stands (a resume need not repeat
   * it); with it, a different text is a different run.
   */
  initTextGiven?: boolean;
  /**
   * The command line gave --holdout. Without it the stored split stands (a run made before splits
   * resumes with none); with it, a different split is a different run.
   */
  holdoutGiven?: boolean;
}

/** What happens to the folder: `new` trains from the start, `unfinished` resumes `stored`, `finished` has nothing left to do. */
export type PlannedRun = { state: 'new' } | { state: 'unfinished' | 'finished'; stored: RunInfo };

/** The settings of a run as flat `key: value` pairs (objects as JSON), for naming what differs. */
function flatSettings(definition: RunDefinition): Record<string, string> {
  const show = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  // A run stored before formats existed was asked in classify (describeFormat's default).
  const flat: Record<string, string> = { instrument: definition.instrument.name, format: describeFormat(definition.instrument.format) };
  const { initText: _text, ...prompt } = definition.softPrompt;
  // Settings fitted to the model (anchored constants) compare as they were asked.
  const settings = instrumentNamed(definition.instrument.name).askedSettings?.(definition.instrument.settings) ?? definition.instrument.settings;
  for (const group of [prompt, definition.search, settings] as Record<string, unknown>[]) {
    for (const [key, value] of Object.entries(group)) if (value !== undefined) flat[key] = show(value);
  }
  return flat;
}

/** Where the stored run and the asked one differ; a larger budget is no difference with extendBudget. */
function differences(stored: RunDefinition, asked: RunPlanRequest): string[] {
  const wanted = asked.definition;
  const raised = wanted.search.budget > stored.search.budget;
  const [a, b] = [flatSettings(stored), flatSettings(wanted)];
  // --dim left out takes the stored run's (it was decided from the model's width when the run began).
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !(key === 'budget' && asked.extendBudget && raised) && !(key === 'dim' && b.dim === undefined));
  const found = keys
    .filter((key) => a[key] !== b[key])
    .map((key) => `${key} ${a[key] ?? 'unset'} there, ${b[key] ?? 'unset'} asked${key === 'budget' && raised ? ': add --extend-budget to raise it' : ''}`);
  const [storedText, askedText] = [stored.softPrompt.initText, wanted.softPrompt.initText];
  if (asked.initTextGiven && storedText !== askedText) found.push(`init text ${JSON.stringify(storedText ?? null)} there, ${JSON.stringify(askedText ?? null)} asked`);
  if (asked.holdoutGiven && JSON.stringify(stored.holdout ?? null) !== JSON.stringify(wanted.holdout ?? null)) {
    found.push(`held-out split ${describeSplit(stored.holdout)} there, ${describeSplit(wanted.holdout)} asked`);
  }
  if (stored.country.name !== wanted.target.country.name) found.unshift(`country ${stored.country.name} there, ${wanted.target.country.name} asked`);
  for (const name of new Set([...Object.keys(stored.target.values), ...Object.keys(wanted.target.values)])) {
    const [there, want] = [stored.target.values[name]?.value, wanted.target.values[name]?.value];
    if (there !== want) found.push(`target ${name} ${there ?? 'missing'} there, ${want ?? 'missing'} asked`);
  }
  if (JSON.stringify(stored.target.reference) !== JSON.stringify(wanted.target.reference)) found.push('target reference data differ');
  return found;
}

/**
 * Decides, before any model is loaded, what a command does with a run folder. A folder that never
 * finished a generation is started again; one that holds a run is continued only when asked to
 * (`resume`) and only with the same instrument, country, target and settings: resuming silently with
 * the stored ones would train something other than what the command line says. A larger budget
 * continues a run, finished or not, when `extendBudget` says so.
 */
export function planRun(request: RunPlanRequest, options: { resume: boolean }): PlannedRun {
  const stage = runStage(request.dir);
  if (stage === 'none' || stage === 'created') return { state: 'new' };
  if (!options.resume) throw new UserError(`${request.dir} already holds a run; add --resume to continue it, or choose --out / --name`);
  const stored = readRunInfo(request.dir);
  const found = differences(stored, request);
  if (found.length > 0) throw new UserError(`${request.dir} holds another run (${found.join('; ')}); use another --out, or the same flags to continue it`);
  const budget = request.definition.search.budget;
  if (budget > stored.search.budget) return { state: 'unfinished', stored: { ...stored, search: { ...stored.search, budget } } };
  return { state: stage === 'finished' ? 'finished' : 'unfinished', stored };
}
