import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { datasetAccess, ensureCachedFile, sha256Hex, type DatasetOverrides, type HubDataset } from '../../model/hub/dataset-file.ts';
import { UserError, describeError } from '../../util/errors.ts';
import type { Settings } from '../../util/settings.ts';
import type { SetAsideItem } from '../../util/set-aside.ts';
import { parsePythonLiteral, type PythonValue } from './python-literal.ts';

/** One GlobalOpinionQA question: its options in survey order and each country's share of answers per option. */
export interface OpinionQuestion {
  question: string;
  options: string[];
  /** Country label (as the dataset spells it) -> one share per option. */
  selections: Record<string, number[]>;
}

export interface OpinionData {
  questions: OpinionQuestion[];
  /** Rows (or a country's shares in a row) that cannot be used as they stand: left out, with the reason. */
  setAside: SetAsideItem[];
  file: { path: string; sha256: string; origin: 'local' | 'cache' | 'download' };
}

/** The dataset on the Hub (Durmus et al. 2023): one CSV; no revision was available to pin, so its hash is recorded on first download. */
export const GLOBAL_OPINIONS: HubDataset = { name: 'globalopinionqa', hubPath: 'datasets/Anthropic/llm_global_opinions/resolve/main/data' };
export const GLOBAL_OPINIONS_FILE = { hubName: 'global_opinions.csv' };

/**
 * Why a country's shares cannot stand for its answers, or undefined: one finite share >= 0 per option.
 * (Number() reads an overflowing 1e999 as Infinity; the Hub CSV writes missing shares as nan.)
 */
function sharesProblem(value: PythonValue, options: number): string | undefined {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) return 'shares are not a list of numbers';
  const shares = value as number[];
  if (shares.length !== options) return `${shares.length} shares for ${options} options`;
  const bad = shares.find((v) => !Number.isFinite(v) || v < 0);
  return bad === undefined ? undefined : `a share is ${bad}, not a finite number >= 0`;
}

/** The replacement character a lossy UTF-8 decoding puts for bytes that are not UTF-8. */
const NOT_UTF8 = '\uFFFD';

/**
 * Collects the questions of one file, setting aside what cannot be used: a row that is not UTF-8 or
 * not the Hub's literals, a country's shares that do not fit the options, a question asked again (the
 * first is kept; the dataset has no rule for which of two copies is right). Only a file with no usable
 * question at all is refused (with its first reason): a bad item costs that item, not the run.
 */
class OpinionCollector {
  readonly questions: OpinionQuestion[] = [];
  private readonly first = new Map<string, string>();
  constructor(readonly source: string, readonly setAside: SetAsideItem[]) {}

  skip(id: string | null, line: number | null, reason: string, country?: string): void {
    this.setAside.push({ source: path.basename(this.source), id, line, reason, ...(country !== undefined && { country }) });
  }

  /** A key that is new, or the place it was seen first. */
  seenAt(key: string, where: string): string | undefined {
    const seen = this.first.get(key);
    if (seen === undefined) this.first.set(key, where);
    return seen;
  }

  done(): OpinionQuestion[] {
    if (this.questions.length === 0) {
      const first = this.setAside.find((item) => item.source === path.basename(this.source));
      throw new UserError(`${this.source}: no usable question${first ? ` (${first.line !== null ? `row ${first.line}` : `entry ${first.id}`}: ${first.reason})` : ''}`);
    }
    return this.questions;
  }
}

/**
 * The Hub's CSV: `question`, `selections` (a Python defaultdict country -> shares), `options` (a Python
 * list), `source`. Items that cannot be used go to `setAside`.
 */
export function parseGlobalOpinionsCsv(text: string, source: string, setAside: SetAsideItem[] = []): OpinionQuestion[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  } catch (error) {
    throw new UserError(`${source}: not valid CSV (${describeError(error).replace(/\s+/g, ' ')})`);
  }
  if (records.length === 0 || !['question', 'selections', 'options'].every((c) => c in records[0])) {
    throw new UserError(`${source}: expected the columns question, selections, options`);
  }
  const collect = new OpinionCollector(source, setAside);
  records.forEach((record, i) => {
    const line = i + 2;
    const id = record.question ?? null;
    if (Object.values(record).some((cell) => cell.includes(NOT_UTF8))) return collect.skip(id, line, 'not UTF-8');
    let options: PythonValue;
    let selections: PythonValue;
    try {
      options = parsePythonLiteral(record.options);
      selections = parsePythonLiteral(record.selections);
    } catch (error) {
      return collect.skip(id, line, describeError(error));
    }
    if (!Array.isArray(options) || typeof selections !== 'object' || Array.isArray(selections)) return collect.skip(id, line, 'options must be a list and selections a dict');
    const repeated = collect.seenAt(JSON.stringify([record.question, options.map(String)]), `row ${line}`);
    if (repeated !== undefined) return collect.skip(id, line, `question repeated: first at ${repeated}, which is kept`);
    const shares: Record<string, number[]> = {};
    for (const [country, value] of Object.entries(selections)) {
      const problem = sharesProblem(value, options.length);
      if (problem === undefined) shares[country] = value as number[];
      else collect.skip(id, line, `shares do not fit the options: ${problem}`, country);
    }
    // A question none of whose countries' shares can be used is no question (each was set aside).
    if (Object.keys(shares).length > 0) collect.questions.push({ question: record.question, options: options.map(String), selections: shares });
  });
  return collect.done();
}

/**
 * The per-(country, question) JSON form some copies use: `[{"country", "question", "options", "distribution"}, ...]`;
 * grouped back into questions. Items that cannot be used go to `setAside`.
 */
export function parseOpinionPairsJson(text: string, source: string, setAside: SetAsideItem[] = []): OpinionQuestion[] {
  let pairs: unknown;
  try {
    pairs = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${source}: not valid JSON (${describeError(error).replace(/\s+/g, ' ')})`);
  }
  if (!Array.isArray(pairs)) throw new UserError(`${source}: expected a JSON array of {country, question, options, distribution}`);
  const collect = new OpinionCollector(source, setAside);
  const byQuestion = new Map<string, OpinionQuestion>();
  pairs.forEach((pair, i) => {
    const entry = String(i + 1);
    const p = (pair ?? {}) as { country?: unknown; question?: unknown; options?: unknown; distribution?: unknown };
    if (typeof p.country !== 'string' || typeof p.question !== 'string' || !Array.isArray(p.options)) return collect.skip(entry, null, 'needs country, question and options');
    if (JSON.stringify(pair).includes(NOT_UTF8)) return collect.skip(entry, null, 'not UTF-8', p.country);
    const options = p.options.map(String);
    const problem = sharesProblem(p.distribution as PythonValue, options.length);
    if (problem !== undefined) return collect.skip(entry, null, `shares do not fit the options: ${problem}`, p.country);
    const key = JSON.stringify([p.question, options]);
    const repeated = collect.seenAt(JSON.stringify([key, p.country]), `entry ${entry}`);
    if (repeated !== undefined) return collect.skip(entry, null, `question repeated for the country: first at ${repeated}, which is kept`, p.country);
    let question = byQuestion.get(key);
    if (!question) {
      question = { question: p.question, options, selections: {} };
      byQuestion.set(key, question);
      collect.questions.push(question);
    }
    question.selections[p.country] = p.distribution as number[];
  });
  return collect.done();
}

function parseAny(text: string, source: string, setAside: SetAsideItem[]): OpinionQuestion[] {
  return /^\s*\[/.test(text) ? parseOpinionPairsJson(text, source, setAside) : parseGlobalOpinionsCsv(text, source, setAside);
}

/** A local copy's text: the format is UTF-8 (the Hub's CSV, JSON), and a file that is not is refused in one line, not misread. */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${file} is not UTF-8 text; GlobalOpinionQA copies are UTF-8 (re-save or re-download it)`);
  }
}

/** `cacheDir` overrides <cache root>/globalopinionqa; `baseUrl` overrides $CULTUNE_GLOBALOPINIONQA_URL and the Hub. */
export interface OpinionSource extends DatasetOverrides {
  /** A local copy: the Hub's CSV, a folder holding it, or the per-pair JSON form. */
  data?: string;
  /** The command's flag for a local copy, named in the advice when the cache cannot be filled. */
  localFlag?: string;
}

/** Loads GlobalOpinionQA from `data`, or from the dataset cache (downloading it once, verified and hashed, like CulturalBench). */
export async function loadGlobalOpinions(source: OpinionSource, settings: Settings): Promise<OpinionData> {
  if (source.data !== undefined) {
    let file = path.resolve(source.data);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, GLOBAL_OPINIONS_FILE.hubName);
    if (!fs.existsSync(file)) throw new UserError(`${file} does not exist (${source.localFlag ?? '--data'} takes the GlobalOpinionQA CSV, a folder with ${GLOBAL_OPINIONS_FILE.hubName}, or the per-pair JSON)`);
    const bytes = fs.readFileSync(file);
    const setAside: SetAsideItem[] = [];
    return { questions: parseAny(decodeUtf8(bytes, file), file, setAside), setAside, file: { path: file, sha256: sha256Hex(bytes), origin: 'local' } };
  }
  const cached = await ensureCachedFile(GLOBAL_OPINIONS_FILE, {
    ...datasetAccess(GLOBAL_OPINIONS, settings, source),
    // The downloader decodes strictly: a cached copy that is not UTF-8 is damaged (downloaded again), a download is refused.
    parse: (text, file) => {
      const setAside: SetAsideItem[] = [];
      return { questions: parseGlobalOpinionsCsv(text, file, setAside), setAside };
    },
    localFlag: source.localFlag,
  });
  return { ...cached.content, file: { path: cached.path, sha256: cached.sha256, origin: cached.origin } };
}
