import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError, describeError } from '../util/errors.ts';
import { parseDecimal } from '../util/numbers.ts';
import { readTextFile } from '../util/text-file.ts';
import { scoreValueProblem } from './target.ts';

/** One country's numbers in a user's targets file, with the line of each number for error messages and sources. */
export interface TargetFileEntry {
  country: string;
  line: number;
  values: Partial<Record<string, { value: number; line: number }>>;
}

/** The names a targets file may use as columns or keys: an instrument's score names ("PDI", "PC1"). */
export interface ScoreNaming {
  names: readonly string[];
  /** The canonical name a user's spelling stands for ("ltowvs" -> "LTO"); undefined when none. */
  parse(name: string): string | undefined;
}

export interface TargetFile {
  file: string;
  entries: TargetFileEntry[];
}

const expected = (naming: ScoreNaming) => `country and any of ${naming.names.join(', ')}`;

/**
 * Reads a targets file: JSON (one object or an array of objects, each `{"country": ..., "PDI": 95, ...}`)
 * or CSV (header `country,PDI,...`; comma or semicolon). Empty cells, null and `#NULL!` mean "not given".
 * Any bad value is a one-line UserError naming the file and line.
 */
export function readTargetsFile(file: string, naming: ScoreNaming): TargetFile {
  const text = readTextFile(file);
  const isJson = path.extname(file).toLowerCase() === '.json' || /^\uFEFF?\s*[[{]/.test(text);
  return { file, entries: isJson ? parseTargetsJson(text, file, naming) : parseTargetsCsv(text, file, naming) };
}

function fail(file: string, line: number, message: string): never {
  throw new UserError(`${file}:${line}: ${message}`);
}

function isNotGiven(cell: unknown): boolean {
  return cell === null || cell === '' || cell === '#NULL!';
}

export function parseTargetsCsv(text: string, file: string, naming: ScoreNaming): TargetFileEntry[] {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0];
  const delimiter = header.includes(';') && !header.includes(',') ? ';' : ',';
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, delimiter, columns: true, info: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    fail(file, line, `not valid CSV (${describeError(error).replace(/\s+/g, ' ')})`);
  }
  const columns = header.split(delimiter).map((c) => c.trim().replace(/^"|"$/g, ''));
  checkColumns(columns, file, 1, naming);
  return rows.map(({ record, info }) => {
    const line = info.lines;
    const entry: TargetFileEntry = { country: record.country ?? '', line, values: {} };
    if (entry.country === '') fail(file, line, 'no country');
    for (const [column, cell] of Object.entries(record)) {
      const dimension = naming.parse(column);
      if (!dimension || isNotGiven(cell)) continue;
      const value = parseDecimal(cell);
      if (value === undefined) fail(file, line, `${dimension} "${cell}" is not a decimal number`);
      const problem = scoreValueProblem(dimension, value);
      if (problem) fail(file, line, problem);
      entry.values[dimension] = { value, line };
    }
    return entry;
  });
}

function checkColumns(columns: readonly string[], file: string, line: number, naming: ScoreNaming): void {
  const seen = new Set<string>();
  for (const column of columns) {
    const key = column.toLowerCase() === 'country' ? 'country' : naming.parse(column);
    if (!key) fail(file, line, `unknown column "${column}"; expected ${expected(naming)}`);
    if (seen.has(key)) fail(file, line, `${key} is given twice`);
    seen.add(key);
  }
  if (!seen.has('country')) fail(file, line, `no "country" column; expected ${expected(naming)}`);
}

export function parseTargetsJson(text: string, file: string, naming: ScoreNaming): TargetFileEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = describeError(error).replace(/\s+/g, ' ');
    const position = /position (\d+)/.exec(message);
    fail(file, position ? lineAt(text, Number(position[1])) : 1, `not valid JSON (${message})`);
  }
  const objects = Array.isArray(parsed) ? parsed : [parsed];
  const starts = jsonObjectStarts(text);
  return objects.map((object, index) => {
    const start = starts[index] ?? 0;
    const end = starts[index + 1] ?? text.length;
    const line = lineAt(text, start);
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      fail(file, line, `entry ${index + 1} is not an object like {"country": "...", "PDI": 95}`);
    }
    const record = object as Record<string, unknown>;
    const lineOfKey = (key: string) => {
      const at = text.slice(start, end).indexOf(JSON.stringify(key));
      return at < 0 ? line : lineAt(text, start + at);
    };
    const entry: TargetFileEntry = { country: '', line, values: {} };
    for (const [key, value] of Object.entries(record)) {
      if (key.toLowerCase() === 'country') {
        if (typeof value !== 'string' || value.trim() === '') fail(file, lineOfKey(key), 'country must be a non-empty string');
        entry.country = value.trim();
        continue;
      }
      const dimension = naming.parse(key);
      if (!dimension) fail(file, lineOfKey(key), `unknown key "${key}"; expected ${expected(naming)}`);
      if (entry.values[dimension]) fail(file, lineOfKey(key), `${dimension} is given twice`);
      if (isNotGiven(value)) continue;
      if (typeof value !== 'number') fail(file, lineOfKey(key), `${dimension} ${JSON.stringify(value)} is not a number`);
      // JSON.parse reads an overflowing 1e309 as Infinity.
      const problem = scoreValueProblem(dimension, value);
      if (problem) fail(file, lineOfKey(key), problem);
      entry.values[dimension] = { value, line: lineOfKey(key) };
    }
    if (entry.country === '') fail(file, line, 'entry has no "country"');
    return entry;
  });
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/** Offsets of the entry objects: the top-level object, or each object directly inside a top-level array. */
function jsonObjectStarts(text: string): number[] {
  const starts: number[] = [];
  let depth = 0;
  let inString = false;
  let topIsArray = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth === 0) topIsArray = c === '[';
      if (c === '{' && depth === (topIsArray ? 1 : 0)) starts.push(i);
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
    }
  }
  return starts;
}
