import fs from 'node:fs';
import path from 'node:path';
import type { Target } from '../targets/index.ts';
import type { HoldoutSplit, InstrumentResult, StoredInstrument } from '../instruments/index.ts';
import type { DESnapshot, GDE3Snapshot, StopReason } from '../de/index.ts';
import type { QuestionSplit } from '../culturalbench/index.ts';
import type { SoftPromptConfig } from '../embedding/index.ts';
import type { SoftPrompt } from '../model/types.ts';
import { readSoftPromptFile } from '../model/soft-prompt-file.ts';
import type { SearchRequest, SearchSettings } from './search-space.ts';
import { UserError, describeError } from '../util/errors.ts';
import { readTextFile } from '../util/text-file.ts';

/**
 * The run folder: what `train` writes and `sweep`, `export`, `eval` and `report` read back. One module
 * owns its layout, so every reader agrees on file names and on what a damaged file is.
 */

/** What defines a run; a resumed run reads it back from run.json. */
export interface RunInfo {
  cultune: string;
  country: { query: string; name: string; code?: string };
  /** The objective: which instrument, with which settings (VSM 2013's constants, metric, answer reading...). */
  instrument: StoredInstrument;
  target: Target;
  softPrompt: SoftPromptConfig;
  search: SearchSettings;
  model: RunModel;
  /** Present for a multi-objective run (`--objectives`): the instrument's loss and CulturalBench together. */
  objectives?: FrontObjectives;
  /**
   * The instrument's held-out split (--holdout): training asks its train part, eval reports its
   * held-out part. Absent (runs made before splits, or --holdout 0): no split, every figure in-sample.
   */
  holdout?: HoldoutSplit;
}

/** The model a run trains on. */
export interface RunModel {
  dir: string;
  /** The graph, relative to `dir` (absent in runs recorded before it was: model.onnx or onnx/model.onnx). */
  graphFile?: string;
  sourceHash: string;
  hidden: number;
  dtype: string;
  /** The model's Hub id and commit when it was downloaded by id (what exports name as the base model). */
  hubId?: string;
  revision?: string;
}

/**
 * What a multi-objective run optimises: the run's instrument loss and CulturalBench error (1 minus the
 * rotation-debiased expected accuracy) on the training half of the country's questions. The split and
 * the data file's checksum are stored, so a resumed run and its held-out evaluation use the same questions.
 */
export interface FrontObjectives {
  names: [string, 'culturalbench'];
  split: QuestionSplit;
  /** sha256 of the CulturalBench-Easy file the split was drawn from. */
  easySha256: string;
}

/** A run as asked for, before a model is loaded: run.json without the model and the version, --dim perhaps still open. */
export type RunDefinition = Omit<RunInfo, 'cultune' | 'model' | 'search'> & { search: SearchRequest };

export interface GenerationRecord {
  generation: number;
  evaluations: number;
  bestLoss: number;
  medianLoss: number;
  seconds: number;
  /** Multi-objective runs: the front's hypervolume against the run's reference point, and its size. */
  hypervolume?: number;
  frontSize?: number;
}

/** The best candidate's evaluation: its loss and scores. */
export type BestCandidate = InstrumentResult;

export interface Checkpoint {
  generation: number;
  evaluations: number;
  history: GenerationRecord[];
  best: BestCandidate | null;
  de: DESnapshot | GDE3Snapshot;
  /** Multi-objective runs: the fixed reference point of the hypervolume (set from the first generation). */
  hypervolumeReference?: number[];
  /** Multi-objective runs: the current front's members (their prompts follow from the vectors; front.json has them). */
  front?: Omit<FrontMember, 'prompt'>[];
}

export interface RunResult {
  stopReason: StopReason;
  /** For a multi-objective run: the member the choice rule picks (its prompt is prompt.json). */
  best: BestCandidate;
  history: GenerationRecord[];
}

/** One member of a multi-objective run's front. */
export interface FrontMember {
  /** [instrument loss, 1 - training-split expected accuracy], both minimised. */
  objectives: number[];
  result: InstrumentResult;
  /** The searched vector, exactly (float32 values). */
  vector: number[];
  /** The soft prompt as prompt.json stores it: {shape: [k, hidden], data}. */
  prompt: { shape: number[]; data: number[] };
}

/** front.json: the non-dominated members after the last generation, in population order, and the chosen one. */
export interface FrontFile {
  objectives: string[];
  /** How `chosen` was picked (see docs/multi-objective.md). */
  rule: 'knee';
  chosen: number;
  members: FrontMember[];
}


/** The best candidate so far with the training history, from result.json (finished) or checkpoint.json. */
export interface TrainingState {
  finished: boolean;
  history: GenerationRecord[];
  best?: BestCandidate | null;
}

export const RUN_FILE = 'run.json';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const RESULT_FILE = 'result.json';
export const PROMPT_FILE = 'prompt.json';
export const FRONT_FILE = 'front.json';

/** Reads a JSON file of a run (or a model's config.json); undefined when absent, one clear line when damaged. */
export function readRunJson<T>(dir: string, file: string): T | undefined {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) return undefined;
  const text = readTextFile(full);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new UserError(`${full}: not valid JSON (${describeError(error).replace(/\s+/g, ' ')})`);
  }
}

/**
 * A run's front.json, undefined for a single-objective run. A front always has a member (GDE3 keeps the
 * non-dominated ones of a non-empty population), so an empty one, or a chosen member that is not among
 * them, is a damaged or edited file: one line, before anything is loaded.
 */
export function readFront(runDir: string): FrontFile | undefined {
  const front = readRunJson<FrontFile>(runDir, FRONT_FILE);
  if (front === undefined) return undefined;
  const file = path.join(runDir, FRONT_FILE);
  if (!Array.isArray(front.members) || front.members.length === 0) throw new UserError(`${file} has no members, though a front always has one: the file is damaged`);
  if (!Number.isInteger(front.chosen) || front.chosen < 0 || front.chosen >= front.members.length) {
    throw new UserError(`${file}: its chosen member ${JSON.stringify(front.chosen)} is not one of its ${front.members.length} members: the file is damaged`);
  }
  return front;
}

export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, RUN_FILE));
}

/**
 * The folder of a run named `name` under `out`. The name must be one plain folder name, so a run never
 * lands outside --out (`--name ../../x`) or on --out itself.
 */
export function runFolderPath(out: string, name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new UserError(`--name "${name}" is not a plain folder name (no /, \\ or ..): the run folder goes directly under --out`);
  }
  return path.join(out, name);
}

/**
 * How far the run in a folder got: `none` (no run), `created` (run.json only: it never finished a
 * generation, so it can simply start again), `started` (a checkpoint) or `finished` (result.json).
 * Training files without run.json are refused: the settings they were made with are gone, and
 * continuing them under new settings would mix two runs.
 */
export type RunStage = 'none' | 'created' | 'started' | 'finished';

export function runStage(dir: string): RunStage {
  const has = (file: string) => fs.existsSync(path.join(dir, file));
  if (!has(RUN_FILE)) {
    const orphan = [RESULT_FILE, CHECKPOINT_FILE, PROMPT_FILE].find(has);
    if (orphan) {
      throw new UserError(`${dir} holds ${orphan} but no ${RUN_FILE}, so its settings are unknown; restore ${RUN_FILE}, or move the folder away to start a new run`);
    }
    return 'none';
  }
  return has(RESULT_FILE) ? 'finished' : has(CHECKPOINT_FILE) ? 'started' : 'created';
}

/** run.json, checked enough that resume, export, eval and report can rely on it. */
export function readRunInfo(dir: string): RunInfo {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`${dir}: no such run folder`);
  const run = readRunJson<Partial<RunInfo> | null>(dir, RUN_FILE);
  if (run === undefined) throw new UserError(`${dir}: not a run folder (no ${RUN_FILE}; cultune train writes one)`);
  if (run && typeof run === 'object' && run.instrument === undefined && 'settings' in run) {
    throw new UserError(`${path.join(dir, RUN_FILE)} was written by cultune 0.1 (no instrument recorded); this version cannot resume, evaluate or report it: train it again`);
  }
  const problem =
    !run || typeof run !== 'object' ? 'not a JSON object'
    : typeof run.instrument?.name !== 'string' ? 'no instrument'
    : typeof run.country?.name !== 'string' ? 'no country.name'
    : typeof run.target?.values !== 'object' || run.target.values === null ? 'no target'
    : typeof run.model?.dir !== 'string' ? 'no model.dir'
    : typeof run.softPrompt?.k !== 'number' ? 'no softPrompt'
    : typeof run.search !== 'object' || run.search === null ? 'no search settings'
    : undefined;
  if (problem) throw new UserError(`${path.join(dir, RUN_FILE)}: not a cultune run file (${problem})`);
  return run as RunInfo;
}

/** The run's best prompt, which must have the k and hidden size run.json records (a mismatch means files of two runs, or `why`). */
export function readRunPrompt(dir: string, info: RunInfo, why = 'the files belong to different runs'): SoftPrompt {
  const file = path.join(dir, PROMPT_FILE);
  const prompt = readSoftPromptFile(file, info.model.hidden);
  if (prompt.k !== info.softPrompt.k) throw new UserError(`${file} holds ${prompt.k} vectors but ${RUN_FILE} says k = ${info.softPrompt.k}: ${why}`);
  return prompt;
}

/** The next step when a run's files no longer fit each other: run.json was edited after the run began. */
const EDITED = `${RUN_FILE} was edited after the run began: restore it, or train afresh under another --name`;

/**
 * Before a run is continued, its stored files must fit the prompt that will be searched: run.json's
 * hidden size is the model's, the checkpoint's vectors have `searched` values, prompt.json holds k x
 * hidden. An edited run.json (k, hidden, dim) would otherwise be resumed and "finish" with a prompt of
 * another size than the generations before it searched.
 */
export function checkStoredSizes(dir: string, info: RunInfo, sizes: { hidden: number; searched: number }): void {
  if (info.model.hidden !== sizes.hidden) {
    throw new UserError(`${path.join(dir, RUN_FILE)} records hidden size ${info.model.hidden}, but the model's is ${sizes.hidden}: ${EDITED}`);
  }
  const checkpoint = readRunJson<Partial<Checkpoint> | null>(dir, CHECKPOINT_FILE);
  const stored = checkpoint?.de?.params?.dim;
  if (checkpoint !== undefined && stored !== sizes.searched) {
    const what = info.search.space === 'full' ? `k ${info.softPrompt.k} x hidden ${sizes.hidden}` : `dim ${info.search.dim}`;
    throw new UserError(`${path.join(dir, CHECKPOINT_FILE)} holds vectors of ${stored ?? 'unknown'} values, but ${RUN_FILE} searches ${sizes.searched} (${what}): ${EDITED}`);
  }
  // Before a checkpoint, prompt.json is a failed start's and goes (train.ts); after one, it is the run's best.
  const trained = checkpoint !== undefined || fs.existsSync(path.join(dir, RESULT_FILE));
  if (trained && fs.existsSync(path.join(dir, PROMPT_FILE))) readRunPrompt(dir, info, EDITED);
}

function isHistory(value: unknown): value is GenerationRecord[] {
  return Array.isArray(value) && value.every((p) => typeof p?.evaluations === 'number' && typeof p?.bestLoss === 'number');
}

/** The training state, or undefined when the run has neither file yet. */
export function readTrainingState(dir: string): TrainingState | undefined {
  for (const [name, finished] of [[RESULT_FILE, true], [CHECKPOINT_FILE, false]] as const) {
    const state = readRunJson<{ history?: unknown; best?: BestCandidate | null } | null>(dir, name);
    if (state === undefined) continue;
    if (!isHistory(state?.history)) throw new UserError(`${path.join(dir, name)}: no training history`);
    return { finished, history: state.history, best: state.best };
  }
  return undefined;
}

/**
 * A run continues only on the model it began on, told by the SHA-256 of its graph (run.json's
 * model.sourceHash) against the one loaded. `run` names the run in the message ("the run", its folder);
 * `nextStep` ends it.
 */
export function checkSameModel(run: string, trainedHash: string, loadedHash: string, nextStep = '; pass the same --model'): void {
  if (trainedHash !== loadedHash) throw new UserError(`${run} was trained on another model (graph hash ${trainedHash.slice(0, 12)})${nextStep}`);
}
