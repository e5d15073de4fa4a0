import { CsvError, parse } from 'csv-parse/sync';
import path from 'node:path';
import { UserError } from '../util/errors.ts';
import type { SetAsideItem } from '../util/set-aside.ts';
import { OPTION_LETTERS, type EasyQuestion, type HardQuestion, type HardStatement } from './types.ts';

const EASY_COLUMNS = [
  'question_idx', 'prompt_question', 'prompt_option_a', 'prompt_option_b', 'prompt_option_c', 'prompt_option_d', 'answer', 'country',
] as const;
const HARD_COLUMNS = ['question_idx', 'prompt_question', 'prompt_option', 'answer', 'country'] as const;

interface CsvRow {
  fields: Record<string, string>;
  /** First line of the record in the file (records may span lines). */
  line: number;
}

/** Parses a CSV with a header row; every problem becomes a UserError naming the file and line. */
function readCsvRows(text: string, file: string, required: readonly string[]): CsvRow[] {
  let parsed: { record: Record<string, string>; raw: string; info: { lines: number } }[];
  try {
    parsed = parse(text, { columns: true, info: true, raw: true, bom: true, skip_empty_lines: true });
  } catch (error) {
    if (error instanceof CsvError) {
      const line = error.lines;
      const what = error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is never closed (truncated file?)' : error.message;
      throw new UserError(`${file}: line ${line ?? '?'}: malformed CSV: ${what}`);
    }
    throw error;
  }
  if (parsed.length === 0) throw new UserError(`${file}: no data rows (empty or truncated file?)`);
  const missing = required.filter((column) => !(column in parsed[0].record));
  if (missing.length > 0) throw new UserError(`${file}: line 1: missing column(s) ${missing.join(', ')}`);
  return parsed.map(({ record, raw, info }) => {
    // info.lines is where the record ends; count the newlines inside it to find where it starts.
    const body = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '');
    return { fields: record, line: info.lines - (body.match(/\n/g)?.length ?? 0) };
  });
}

/** A row that cannot be used: set aside with its reason, the rest of the file is read on. */
class RowProblem extends Error {}

function problem(message: string): never {
  throw new RowProblem(message);
}

function nonEmpty(row: CsvRow, column: string): string {
  const value = row.fields[column].trim();
  if (value === '') problem(`empty ${column}`);
  return value;
}

function questionId(row: CsvRow): number {
  const text = row.fields.question_idx.trim();
  if (!/^\d+$/.test(text)) problem(`question_idx "${text}" is not a non-negative integer`);
  return Number(text);
}

/** What a file yields: its usable questions, and the rows set aside with the reason. */
export interface ParsedFile<T> {
  questions: T[];
  setAside: SetAsideItem[];
}

/** Runs `read` on each group of rows; a RowProblem sets the group aside instead of ending the read. */
function readGroups<T>(file: string, groups: CsvRow[][], read: (rows: CsvRow[]) => T): ParsedFile<T> {
  const questions: T[] = [];
  const setAside: SetAsideItem[] = [];
  const source = path.basename(file);
  for (const rows of groups) {
    try {
      questions.push(read(rows));
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      const id = rows[0].fields.question_idx.trim() || null;
      const country = rows[0].fields.country.trim();
      setAside.push({ source, id, line: rows[0].line, ...(country ? { country } : {}), reason: error.message });
    }
  }
  return { questions, setAside };
}

/** The first option whose text repeats an earlier one's, as [earlier, later] indices. */
function repeatedOption(texts: readonly string[]): [number, number] | undefined {
  for (let later = 1; later < texts.length; later += 1) {
    const earlier = texts.indexOf(texts[later]);
    if (earlier < later) return [earlier, later];
  }
  return undefined;
}

/**
 * `file` is only used in messages. A row that cannot be asked (a bad answer letter, an empty field, a
 * repeated question_idx, two options with the same text) is set aside with its reason: the published file
 * has two questions whose options repeat (314 Germany, 671 Spain), and a question whose right answer is
 * also a wrong one cannot be scored.
 */
export function parseEasyCsv(text: string, file: string): ParsedFile<EasyQuestion> {
  const seen = new Set<number>();
  return readGroups(file, readCsvRows(text, file, EASY_COLUMNS).map((row) => [row]), ([row]) => {
    const id = questionId(row);
    if (seen.has(id)) problem(`question_idx ${id} appears twice (the first is kept)`);
    seen.add(id);
    const letter = row.fields.answer.trim().toUpperCase();
    const answer = OPTION_LETTERS.indexOf(letter as (typeof OPTION_LETTERS)[number]);
    if (answer < 0) problem(`answer "${row.fields.answer}" is not one of A, B, C, D`);
    const options = OPTION_LETTERS.map((l) => nonEmpty(row, `prompt_option_${l.toLowerCase()}`));
    const repeated = repeatedOption(options);
    if (repeated) {
      const [earlier, later] = repeated;
      problem(`options repeat: ${OPTION_LETTERS[earlier]} and ${OPTION_LETTERS[later]} are both "${options[later]}"`);
    }
    return {
      id,
      question: nonEmpty(row, 'prompt_question'),
      options: options as EasyQuestion['options'],
      answer,
      country: nonEmpty(row, 'country'),
    };
  });
}

function parseTruth(row: CsvRow): boolean {
  const value = row.fields.answer.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  return problem(`answer "${row.fields.answer}" is not TRUE or FALSE`);
}

/** Consecutive rows with the same question_idx: one Hard question each, however many rows it has. */
function consecutiveGroups(rows: readonly CsvRow[]): CsvRow[][] {
  const groups: CsvRow[][] = [];
  for (const row of rows) {
    const last = groups.at(-1);
    if (last && last[0].fields.question_idx.trim() === row.fields.question_idx.trim()) last.push(row);
    else groups.push([row]);
  }
  return groups;
}

/**
 * Hard rows come four per question, consecutive, with the same question text and country. A question
 * with another number of rows, a bad truth value, or one statement given as both true and false is set
 * aside with its reason.
 */
export function parseHardCsv(text: string, file: string): ParsedFile<HardQuestion> {
  const seen = new Set<number>();
  return readGroups(file, consecutiveGroups(readCsvRows(text, file, HARD_COLUMNS)), (group) => {
    const id = questionId(group[0]);
    if (seen.has(id)) problem(`question_idx ${id} appears in two separate groups (the first is kept)`);
    seen.add(id);
    if (group.length !== 4) problem(`question ${id} has ${group.length} statement(s); expected 4 (truncated file?)`);
    const statements: HardStatement[] = group.map((row) => ({ text: nonEmpty(row, 'prompt_option'), isTrue: parseTruth(row) }));
    const contradicted = statements.find((s, i) => statements.some((t, j) => j < i && t.text === s.text && t.isTrue !== s.isTrue));
    if (contradicted) problem(`statement "${contradicted.text}" is given as both true and false`);
    return {
      id,
      question: nonEmpty(group[0], 'prompt_question'),
      statements: statements as HardQuestion['statements'],
      country: nonEmpty(group[0], 'country'),
    };
  });
}
