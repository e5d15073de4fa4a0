import { DIMENSIONS, type Target } from '../vsm13/index.ts';
import { UserError } from '../util/errors.ts';
import { readRunInfo, runStage, type RunInfo, type TrainSettings } from './run-files.ts';

/** A run as a command asks for it: its folder, target and settings. */
export interface RunRequest {
  dir: string;
  target: Target;
  settings: TrainSettings;
  /** Continue a stored run to a larger --budget (a judgement the user makes explicitly). */
  extendBudget?: boolean;
}

/** What happens to the folder: `new` trains from the start, `unfinished` resumes `stored`, `finished` has nothing left to do. */
export type PlannedRun = { state: 'new' } | { state: 'unfinished' | 'finished'; stored: RunInfo };

/** Where the stored run and the asked one differ; a larger budget is no difference with extendBudget. */
function differences(stored: RunInfo, asked: RunRequest): string[] {
  const a = stored.settings as unknown as Record<string, unknown>;
  const b = asked.settings as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !(key === 'budget' && asked.extendBudget && asked.settings.budget > stored.settings.budget));
  const found = keys
    .filter((key) => a[key] !== b[key])
    .map((key) => `${key} ${a[key] ?? 'unset'} there, ${b[key] ?? 'unset'} asked${key === 'budget' && asked.settings.budget > stored.settings.budget ? ': add --extend-budget to raise it' : ''}`);
  if (stored.country.name !== asked.target.country.name) found.unshift(`country ${stored.country.name} there, ${asked.target.country.name} asked`);
  for (const d of DIMENSIONS) {
    const [there, wanted] = [stored.target.values[d]?.value, asked.target.values[d]?.value];
    if (there !== wanted) found.push(`target ${d} ${there ?? 'missing'} there, ${wanted ?? 'missing'} asked`);
  }
  return found;
}

/**
 * Decides, before any model is loaded, what a command does with a run folder. A folder that never
 * finished a generation is started again; one that holds a run is continued only when asked to
 * (`resume`) and only with the same country, target and settings: resuming silently with the stored
 * ones would train something other than what the command line says. A larger budget continues a
 * run, finished or not, when `extendBudget` says so.
 */
export function planRun(request: RunRequest, options: { resume: boolean }): PlannedRun {
  const stage = runStage(request.dir);
  if (stage === 'none' || stage === 'created') return { state: 'new' };
  if (!options.resume) throw new UserError(`${request.dir} already holds a run; add --resume to continue it, or choose --out / --name`);
  const stored = readRunInfo(request.dir);
  const found = differences(stored, request);
  if (found.length > 0) throw new UserError(`${request.dir} holds another run (${found.join('; ')}); use another --out, or the same flags to continue it`);
  if (request.settings.budget > stored.settings.budget) {
    return { state: 'unfinished', stored: { ...stored, settings: { ...stored.settings, budget: request.settings.budget } } };
  }
  return { state: stage === 'finished' ? 'finished' : 'unfinished', stored };
}
