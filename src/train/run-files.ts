import fs from 'node:fs';
import path from 'node:path';
import type { Target } from '../vsm13/index.ts';
import type { Vsm13Loss, Vsm13Scores } from '../vsm13/index.ts';
import type { DESnapshot, StopReason } from '../de/index.ts';
import type { Placement } from '../model/types.ts';
import type { InitKind, SpaceKind } from './search-space.ts';
import { UserError } from '../util/errors.ts';

/** The settings that define a run; a resumed run reads them back from run.json. */
export interface TrainSettings {
  k: number;
  space: SpaceKind;
  dim: number;
  init: InitKind;
  strategy: string;
  pop: number;
  budget: number;
  generations?: number;
  stagnation?: number;
  seed: number;
  variants: number;
  placement: Placement;
}

export interface RunInfo {
  cultune: string;
  country: { query: string; name: string; code?: string };
  target: Target;
  settings: TrainSettings;
  model: { dir: string; sourceHash: string; hidden: number; dtype: string };
}

export interface GenerationRecord {
  generation: number;
  evaluations: number;
  bestLoss: number;
  medianLoss: number;
  seconds: number;
}

export interface BestCandidate {
  loss: number;
  breakdown: Vsm13Loss;
  scores: Vsm13Scores;
}

export interface Checkpoint {
  generation: number;
  evaluations: number;
  history: GenerationRecord[];
  best: BestCandidate | null;
  de: DESnapshot;
}

export interface RunResult {
  stopReason: StopReason;
  best: BestCandidate;
  history: GenerationRecord[];
}

export const RUN_FILE = 'run.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const RESULT_FILE = 'result.json';
export const PROMPT_FILE = 'prompt.json';

/** Reads one of a run's JSON files; a damaged file is a one-line error naming it. */
export function readRunJson<T>(runDir: string, file: string): T | undefined {
  const full = path.join(runDir, file);
  if (!fs.existsSync(full)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(full, 'utf8')) as T;
  } catch {
    throw new UserError(`${full} is damaged (not valid JSON); delete the run folder to start again`);
  }
}

export function requireRun(runDir: string): RunInfo {
  if (!fs.existsSync(runDir)) throw new UserError(`run folder ${runDir} does not exist`);
  const info = readRunJson<RunInfo>(runDir, RUN_FILE);
  if (!info?.settings || !info.model || !info.target) throw new UserError(`${runDir} is not a cultune run (no valid ${RUN_FILE})`);
  return info;
}
