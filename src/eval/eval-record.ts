import fs from 'node:fs';
import path from 'node:path';
import { UserError, describeError } from '../util/errors.ts';
import { readTextFile } from '../util/text-file.ts';
import type { SetAsideItem } from '../util/set-aside.ts';
import type { InstrumentIntervals } from './unit-statistics.ts';
import { isCondition, recordConditions, usesSoftPrompt, type EvalCondition } from './conditions.ts';
import type { TaskOutcome } from './tasks.ts';
import { CLASSIFY, FORMAT_NAMES, type FormatSetting, type HoldoutSplit, type InstrumentResult, type StoredInstrument } from '../instruments/index.ts';

/**
 * The instruction of a programmed condition and what it cost: the program run it came from, whether
 * the record's country was among the countries its search saw, and the instrument evaluations the
 * search spent (over all its training countries).
 */
export interface ProgramSettings {
  run: string;
  optimizer: string;
  instruction: string;
  /** MIPROv2's demonstrations: the items shown before each question, answered as the record's country's people do. */
  demos?: string[];
  /** train: the search scored it on this country; held-out: the program's held-out countries; other: not in the program at all. */
  country: 'train' | 'held-out' | 'other';
  trainCountries: number;
  spend: number;
}

/** How a DISCA condition was steered: what `survey --condition disca` prints, so the record can be rerun. */
export interface DiscaSettings {
  variant: string;
  ablation: string;
  seed: number;
  /** The panel's persona texts, in the order scored. */
  personas: string[];
  /** The mismatched-panel control: the country whose panel was asked instead of the record's own. */
  panelFrom?: string;
}

/** A mean with its bootstrap 95 % interval; null where the group had no question (JSON has no NaN). */
export interface Interval {
  value: number | null;
  ci95: [number | null, number | null];
}

export type CulturalBenchOutcome =
  | {
      available: true;
      /** The dataset's name of the country whose questions were asked. */
      country: string;
      questions: { easy: number; hard: number };
      /** Present when only the held-out half of a multi-objective run's split was asked. */
      split?: 'held-out';
      /** Easy scored by the option letter: mean over the four rotations, and right under all four (strict). */
      easy: { mean: Interval; strict: Interval };
      /** Hard: all four statements judged right. */
      hard: Interval;
      limit: number | null;
      /** The country's questions not asked, with the reason (absent in files written before it was recorded). */
      setAside?: SetAsideItem[];
    }
  | { available: false; reason: string };

/**
 * What `cultune eval` writes as eval-<condition>.json. Self-contained (country, model, target): a report
 * needs nothing else, so baselines evaluated without a run folder report like any other.
 */
export interface EvalRecord {
  cultune: string;
  createdAt: string;
  condition: EvalCondition;
  /** The run folder's name, or null for a baseline written with --out. */
  run: string | null;
  country: { name: string; code?: string };
  model: { dir: string; hidden: number; dtype: string };
  settings: { placement: string; seed: string; bootstrap: number };
  /** The instrument asked, with its settings, and what it gave: named scores, the target's values, the loss. */
  instrument: StoredInstrument;
  result: InstrumentResult;
  /**
   * The run's held-out split of the instrument (src/instruments/split.ts): `result` is on its held-out
   * part, `inSample` on its training part. Absent (files written before splits, runs trained with
   * --holdout 0, baselines without a run): no split, `result` is in-sample.
   */
  holdout?: HoldoutSplit;
  inSample?: InstrumentResult;
  /** The loss and scores with bootstrap intervals over result.units; absent in files written before intervals, or for an instrument without units. */
  intervals?: InstrumentIntervals;
  /** Not asked (`eval --instruments <the instrument>`): unavailable, the reason saying so. */
  culturalbench: CulturalBenchOutcome;
  /** A run's soft prompt: how far its training had gone when it was read (absent for baselines and older files). */
  trainedTo?: TrainedTo;
  /** The DISCA steering of a disca or soft+disca record. */
  disca?: DiscaSettings;
  /** The instruction of a programmed or programmed+soft record. */
  program?: ProgramSettings;
  /** Registered tasks asked beside the instrument (src/eval/tasks.ts), by name. */
  tasks?: Record<string, TaskOutcome>;
}

/** The training a soft prompt came from: generations done, and whether the run had finished. */
export interface TrainedTo {
  generations: number;
  finished: boolean;
}

/**
 * What `eval --instruments culturalbench` writes: the record without the instrument's part (no
 * `result`, `holdout`, `inSample`, `intervals`). `instrument` still names the run's instrument and
 * format, as the file name does, though it was not asked.
 */
export type CulturalBenchOnlyRecord = Omit<EvalRecord, 'result' | 'holdout' | 'inSample' | 'intervals'>;

/** Either kind of eval file: `result` tells them apart. */
export type AnyEvalRecord = EvalRecord | CulturalBenchOnlyRecord;

export function askedInstrument(record: AnyEvalRecord): record is EvalRecord {
  return 'result' in record;
}

/** Why an eval of a run's soft prompt no longer shows the run's result, or undefined when it still does. */
export function staleness(record: EvalRecord, now: TrainedTo): string | undefined {
  if (!usesSoftPrompt(record.condition) || record.trainedTo === undefined) return undefined;
  const then = record.trainedTo;
  if (then.generations === now.generations && then.finished === now.finished) return undefined;
  return `evaluated at generation ${then.generations}${then.finished ? '' : ' while training'}, the run is now at ${now.generations}${now.finished ? ' (finished)' : ''}: run cultune eval again`;
}

/** `eval-<condition>.json`, `eval-<condition>-<format>.json` for a format other than classify: a prompt read in several formats keeps a file for each. */
export function evalFileName(condition: EvalCondition, format: FormatSetting = CLASSIFY): string {
  return `eval-${condition}${formatSuffix(format)}.json`;
}

/** How file names tell formats apart: nothing for classify, `-<format>` for another. */
export function formatSuffix(format: FormatSetting = CLASSIFY): string {
  return format.name === CLASSIFY.name ? '' : `-${format.name}`;
}

function invalid(file: string, what: string): UserError {
  return new UserError(`${file}: not a cultune eval file (${what})`);
}

/** Reads and checks the parts a report relies on, so a damaged file fails with its name, not later. */
export function readEvalRecord(file: string): EvalRecord {
  const record = readEvalFile(file);
  if (!askedInstrument(record)) throw new UserError(`${file} holds CulturalBench only (written by eval --instruments culturalbench); evaluate the ${record.instrument.name} part too with cultune eval`);
  return record;
}

/** Reads and checks either kind of eval file: a full record or a CulturalBench-only one. */
export function readEvalFile(file: string): AnyEvalRecord {
  const text = readTextFile(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(file, describeError(error).replace(/\s+/g, ' '));
  }
  const record = parsed as Partial<EvalRecord>;
  if (!record || typeof record !== 'object') throw invalid(file, 'not a JSON object');
  if (typeof record.condition !== 'string' || !isCondition(record.condition)) throw invalid(file, `no condition ${recordConditions().join('/')}`);
  if (typeof record.country?.name !== 'string') throw invalid(file, 'no country');
  if (!('result' in record) && !('instrument' in record)) throw new UserError(`${file} was written by cultune 0.1 (no instrument recorded); evaluate again with this version`);
  if (typeof record.instrument?.name !== 'string') throw invalid(file, 'no instrument');
  // No result at all is a CulturalBench-only record (eval --instruments culturalbench); a partial one is damage.
  if ('result' in record && (typeof record.result?.loss?.value !== 'number' || typeof record.result.scores !== 'object')) throw invalid(file, 'no scores and loss');
  if (typeof record.culturalbench?.available !== 'boolean') throw invalid(file, 'no CulturalBench section');
  return record as AnyEvalRecord;
}

/** The eval files of a folder, in condition order (recordConditions()). */
export function evalFilesIn(dir: string): string[] {
  return recordConditions().flatMap((c) => FORMAT_NAMES.map((name) => path.join(dir, evalFileName(c, { name })))).filter((f) => fs.existsSync(f));
}
