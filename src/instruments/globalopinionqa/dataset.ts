import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ensureCachedFile, sha256Hex } from '../../culturalbench/download.ts';
import { cacheRoot } from '../../util/cache-dir.ts';
import { UserError, describeError } from '../../util/errors.ts';
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
  file: { path: string; sha256: string; origin: 'local' | 'cache' | 'download' };
}

/** The dataset on the Hub (Durmus et al. 2023): one CSV; no revision was available to pin, so its hash is recorded on first download. */
export const GLOBAL_OPINIONS_FILE = { hubName: 'global_opinions.csv' };
export const DEFAULT_BASE_URL = 'https://huggingface.co/datasets/Anthropic/llm_global_opinions/resolve/main/data';
export const BASE_URL_ENV = 'CULTUNE_GLOBALOPINIONQA_URL';

function numbers(value: PythonValue, where: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) throw new UserError(`${where}: shares are not a list of numbers`);
  return value as number[];
}

/** The Hub's CSV: `question`, `selections` (a Python defaultdict country -> shares), `options` (a Python list), `source`. */
export function parseGlobalOpinionsCsv(text: string, source: string): OpinionQuestion[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  } catch (error) {
    throw new UserError(`${source}: not valid CSV (${describeError(error).replace(/\s+/g, ' ')})`);
  }
  if (records.length === 0 || !['question', 'selections', 'options'].every((c) => c in records[0])) {
    throw new UserError(`${source}: expected the columns question, selections, options`);
  }
  return records.map((record, i) => {
    const where = `${source} row ${i + 2}`;
    let options: PythonValue;
    let selections: PythonValue;
    try {
      options = parsePythonLiteral(record.options);
      selections = parsePythonLiteral(record.selections);
    } catch (error) {
      throw new UserError(`${where}: ${describeError(error)}`);
    }
    if (!Array.isArray(options) || typeof selections !== 'object' || Array.isArray(selections)) throw new UserError(`${where}: options must be a list and selections a dict`);
    const shares = Object.fromEntries(Object.entries(selections).map(([country, v]) => [country, numbers(v, `${where}, ${country}`)]));
    return { question: record.question, options: options.map(String), selections: shares };
  });
}

/** The per-(country, question) JSON form some copies use: `[{"country", "question", "options", "distribution"}, ...]`; grouped back into questions. */
export function parseOpinionPairsJson(text: string, source: string): OpinionQuestion[] {
  let pairs: unknown;
  try {
    pairs = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${source}: not valid JSON (${describeError(error).replace(/\s+/g, ' ')})`);
  }
  if (!Array.isArray(pairs)) throw new UserError(`${source}: expected a JSON array of {country, question, options, distribution}`);
  const byQuestion = new Map<string, OpinionQuestion>();
  pairs.forEach((pair, i) => {
    const p = pair as { country?: unknown; question?: unknown; options?: unknown; distribution?: unknown };
    if (typeof p.country !== 'string' || typeof p.question !== 'string' || !Array.isArray(p.options)) throw new UserError(`${source} entry ${i + 1}: needs country, question and options`);
    const options = p.options.map(String);
    const key = JSON.stringify([p.question, options]);
    const question = byQuestion.get(key) ?? { question: p.question, options, selections: {} };
    question.selections[p.country] = numbers(p.distribution as PythonValue, `${source} entry ${i + 1}`);
    byQuestion.set(key, question);
  });
  return [...byQuestion.values()];
}

function parseAny(text: string, source: string): OpinionQuestion[] {
  return /^\s*\[/.test(text) ? parseOpinionPairsJson(text, source) : parseGlobalOpinionsCsv(text, source);
}

export interface OpinionSource {
  /** A local copy: the Hub's CSV, a folder holding it, or the per-pair JSON form. */
  data?: string;
  /** false: the cache only. */
  download: boolean;
  cacheDir?: string;
  baseUrl?: string;
}

/** Loads GlobalOpinionQA from `data`, or from the cache (downloading it once, verified and hashed, like CulturalBench). */
export async function loadGlobalOpinions(source: OpinionSource): Promise<OpinionData> {
  if (source.data !== undefined) {
    let file = path.resolve(source.data);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, GLOBAL_OPINIONS_FILE.hubName);
    if (!fs.existsSync(file)) throw new UserError(`${file} does not exist (--data takes the GlobalOpinionQA CSV, a folder with ${GLOBAL_OPINIONS_FILE.hubName}, or the per-pair JSON)`);
    const bytes = fs.readFileSync(file);
    return { questions: parseAny(bytes.toString('utf8'), file), file: { path: file, sha256: sha256Hex(bytes), origin: 'local' } };
  }
  const cached = await ensureCachedFile(GLOBAL_OPINIONS_FILE, {
    cacheDir: source.cacheDir ?? path.join(cacheRoot(), 'globalopinionqa'),
    baseUrl: source.baseUrl ?? process.env[BASE_URL_ENV] ?? DEFAULT_BASE_URL,
    download: source.download,
    parse: parseGlobalOpinionsCsv,
  });
  return { questions: cached.content, file: { path: cached.path, sha256: cached.sha256, origin: cached.origin } };
}
