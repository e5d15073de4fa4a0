import fs from 'node:fs';
import path from 'node:path';
import { UserError, describeError } from '../util/errors.ts';
import type { Target } from '../vsm13/targets.ts';
import type { Vsm13Scores } from '../vsm13/vsm13-instrument.ts';

/** run.json as `cultune train` writes it: the parts eval and report read. */
export interface RunInfo {
  cultune: string;
  country: { query: string; name: string; code?: string };
  target: Target;
  settings: { variants: number; placement: string; seed: number; [setting: string]: unknown };
  model: { dir: string; sourceHash?: string; hidden: number; dtype?: string };
}

export interface HistoryPoint {
  generation: number;
  evaluations: number;
  bestLoss: number;
  medianLoss: number;
  seconds: number;
}

/** The best candidate so far with the training history, from result.json (finished) or checkpoint.json. */
export interface TrainingState {
  finished: boolean;
  history: HistoryPoint[];
  best?: { loss: number; scores: Vsm13Scores; breakdown?: { metric?: string } };
}

export const RUN_FILE = 'run.json';
export const PROMPT_FILE = 'prompt.json';

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${describeError(error).replace(/\s+/g, ' ')})`);
  }
}

export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, RUN_FILE));
}

/** run.json of a run folder, checked enough that eval can rely on it. */
export function readRunInfo(dir: string): RunInfo {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`${dir}: no such run folder`);
  const file = path.join(dir, RUN_FILE);
  if (!fs.existsSync(file)) throw new UserError(`${dir}: not a run folder (no ${RUN_FILE}; cultune train writes one)`);
  const run = readJson(file) as Partial<RunInfo> | null;
  const problem =
    !run || typeof run !== 'object' ? 'not a JSON object'
    : typeof run.country?.name !== 'string' ? 'no country.name'
    : typeof run.target?.values !== 'object' || run.target.values === null ? 'no target'
    : typeof run.model?.dir !== 'string' ? 'no model.dir'
    : typeof run.settings !== 'object' || run.settings === null ? 'no settings'
    : undefined;
  if (problem) throw new UserError(`${file}: not a cultune run file (${problem})`);
  return run as RunInfo;
}

function isHistory(value: unknown): value is HistoryPoint[] {
  return Array.isArray(value) && value.every((p) => typeof p?.evaluations === 'number' && typeof p?.bestLoss === 'number');
}

/** The training state, or undefined when the run has neither file yet. */
export function readTrainingState(dir: string): TrainingState | undefined {
  for (const [name, finished] of [['result.json', true], ['checkpoint.json', false]] as const) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) continue;
    const state = readJson(file) as { history?: unknown; best?: TrainingState['best'] } | null;
    if (!isHistory(state?.history)) throw new UserError(`${file}: no training history`);
    return { finished, history: state.history, best: state.best };
  }
  return undefined;
}
