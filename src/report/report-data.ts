import fs from 'node:fs';
import path from 'node:path';
import { kendallTauB, spearmanRho } from './rank-agreement.ts';
import { askedInstrument, evalFilesIn, readEvalFile, staleness, type CulturalBenchOnlyRecord, type EvalRecord } from '../eval/eval-record.ts';
import { recordConditions, type EvalCondition } from '../eval/conditions.ts';
import { FRONT_EVAL_FILE, type FrontEvalRecord } from '../eval/front-eval.ts';
import { comparisonsAmong, type ConditionComparison } from '../eval/condition-comparisons.ts';
import { missingIntervalsNote } from './statistics-tables.ts';
import { withInterval } from './format.ts';
import { isRunFolder, readRunInfo, readRunJson, readTrainingState, type GenerationRecord } from '../train/run-files.ts';
import { describeFormat } from '../instruments/index.ts';
import { macroAverages, type MacroAverage } from './macro-average.ts';
import { UserError } from '../util/errors.ts';

/** One row of every table: one eval file, i.e. one country under one condition. */
export interface ReportRow {
  /** The folder the eval file came from (its name), so a number can be traced back. */
  folder: string;
  country: string;
  condition: EvalCondition;
  /** The instrument's name: tables and charts group by it. */
  instrument: string;
  /** How the questions were asked ("classify", "cot (64 new tokens)"). */
  format: string;
  record: EvalRecord;
}

/** A training run's loss curve. */
export interface TrainingCurve {
  folder: string;
  country: string;
  instrument: string;
  finished: boolean;
  history: GenerationRecord[];
}

/** Kendall tau-b and Spearman rho between the model's and the published scores across countries. */
export interface RankAgreement {
  instrument: string;
  condition: EvalCondition;
  /** The score's name ("PDI", "PC1"). */
  score: string;
  countries: string[];
  kendallTauB: number;
  spearmanRho: number;
}

/** A multi-objective run's front evaluated on held-out questions (front-eval.json). */
export interface FrontReport {
  folder: string;
  record: FrontEvalRecord;
}

export interface ReportData {
  /** The folders read, each once. */
  folders: string[];
  rows: ReportRow[];
  curves: TrainingCurve[];
  fronts: FrontReport[];
  rankAgreement: RankAgreement[];
  /** Paired tests between the conditions of each country, instrument and format (conditionPairs(): soft - none, soft - persona, persona - none, the programmed and DISCA conditions', and each registered condition against none and persona). */
  comparisons: ConditionComparison[];
  /** Per instrument whose paper averages its loss over countries (MultiTP's MIS), condition and format: that mean. */
  macroAverages: MacroAverage[];
  /** Lines for the reader: folders without eval files, rows without CulturalBench. */
  notes: string[];
}

export const MIN_RANK_COUNTRIES = 3;

/** The instruments of the rows, in order of first appearance. */
export function instrumentsOf(rows: readonly ReportRow[]): string[] {
  return [...new Set(rows.map((r) => r.instrument))];
}

/** The score names of an instrument's rows, in order of first appearance. */
export function scoreNames(rows: readonly ReportRow[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.record.result.scores)))];
}

/**
 * Per instrument, condition and score over the countries with both numbers; a country evaluated in
 * several folders counts once, with the first folder given.
 */
export function rankAgreement(rows: readonly ReportRow[]): RankAgreement[] {
  return instrumentsOf(rows).flatMap((instrument) => {
    const ofInstrument = rows.filter((r) => r.instrument === instrument);
    return recordConditions().flatMap((condition) => {
      const firstPerCountry = new Map<string, EvalRecord>();
      for (const row of ofInstrument) if (row.condition === condition && !firstPerCountry.has(row.country)) firstPerCountry.set(row.country, row.record);
      return scoreNames(ofInstrument).flatMap((score) => {
        const pairs = [...firstPerCountry].filter(([, r]) => r.result.target[score] !== undefined && r.result.scores[score] !== undefined);
        if (pairs.length < MIN_RANK_COUNTRIES) return [];
        const model = pairs.map(([, r]) => r.result.scores[score]);
        const published = pairs.map(([, r]) => r.result.target[score]);
        return [{ instrument, condition, score, countries: pairs.map(([c]) => c), kendallTauB: kendallTauB(model, published), spearmanRho: spearmanRho(model, published) }];
      });
    });
  });
}

/** The paired tests of each country, instrument and format, over the rows of its conditions (a condition evaluated in several folders: the first). */
export function conditionComparisons(rows: readonly ReportRow[]): ConditionComparison[] {
  const groups = new Map<string, EvalRecord[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.country, row.instrument, row.format]);
    groups.set(key, [...(groups.get(key) ?? []), row.record]);
  }
  return [...groups.values()].flatMap((records) => comparisonsAmong(records));
}

/** The folders once each, by real path: `R`, `R/` and `../h/R` are one folder and would list its results three times. */
function distinctFolders(folders: readonly string[]): string[] {
  const seen = new Set<string>();
  return folders.filter((dir) => {
    const real = fs.existsSync(dir) ? fs.realpathSync(dir) : path.resolve(dir);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/** A CulturalBench-only record in one line: its accuracies, and how to add the instrument's part. */
function culturalBenchOnlyNote(folder: string, record: CulturalBenchOnlyRecord): string {
  const cb = record.culturalbench;
  const accuracies = cb.available ? `Easy ${withInterval(cb.easy.mean)} (strict ${withInterval(cb.easy.strict)}), Hard ${withInterval(cb.hard)}` : cb.reason;
  return `${folder}, ${record.condition}: CulturalBench only, ${accuracies}; not in the tables (cultune eval --conditions ${record.condition} adds ${record.instrument.name})`;
}

/** Reads run folders (or baseline folders written by `eval --out`) and their eval-*.json files. */
export function collectReport(given: readonly string[]): ReportData {
  const folders = distinctFolders(given);
  const rows: ReportRow[] = [];
  const curves: TrainingCurve[] = [];
  const fronts: FrontReport[] = [];
  const notes: string[] = [];
  for (const dir of folders) {
    const folder = path.basename(path.resolve(dir));
    const evalFiles = evalFilesIn(dir);
    const run = isRunFolder(dir) ? readRunInfo(dir) : undefined;
    if (!run && evalFiles.length === 0) throw new UserError(`${dir}: neither a run folder (run.json) nor a folder of eval-*.json files`);
    const training = run ? readTrainingState(dir) : undefined;
    if (run && training) curves.push({ folder, country: run.country.name, instrument: run.instrument.name, finished: training.finished, history: training.history });
    if (run?.objectives) {
      const front = readRunJson<FrontEvalRecord>(dir, FRONT_EVAL_FILE);
      if (front && !Array.isArray(front.points)) throw new UserError(`${path.join(dir, FRONT_EVAL_FILE)}: not a cultune front evaluation (no points)`);
      if (front) fronts.push({ folder, record: front });
      else notes.push(`${folder}: the front is not evaluated on held-out questions yet (cultune eval ${dir} --front)`);
    }
    if (evalFiles.length === 0 && !run?.objectives) notes.push(`${folder}: no eval-*.json yet (cultune eval ${dir})`);
    for (const file of evalFiles) {
      const read = readEvalFile(file);
      // A CulturalBench-only file (eval --instruments culturalbench) has no loss for the table's row: its accuracies go to the notes.
      if (!askedInstrument(read)) {
        notes.push(culturalBenchOnlyNote(folder, read));
        continue;
      }
      const record = read;
      rows.push({ folder, country: record.country.name, condition: record.condition, instrument: record.result.instrument, format: describeFormat(record.instrument.format), record });
      if (!record.culturalbench.available) notes.push(`${folder}, ${record.condition}: ${record.culturalbench.reason}`);
      const stale = training && staleness(record, { generations: training.history.length, finished: training.finished });
      if (stale) notes.push(`${folder}, ${record.condition}: stale, ${stale}`);
      const missing = missingIntervalsNote(folder, record);
      if (missing) notes.push(missing);
    }
  }
  if (rows.length === 0 && curves.length === 0) throw new UserError('nothing to report: no eval results and no training history in the folders given');
  return { folders, rows, curves, fronts, rankAgreement: rankAgreement(rows), comparisons: conditionComparisons(rows), macroAverages: macroAverages(rows), notes };
}
