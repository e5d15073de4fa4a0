import { CsvError, parse } from 'csv-parse/sync';
import { UserError } from '../util/errors.ts';
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

function fail(file: string, row: CsvRow, message: string): never {
  throw new UserError(`${file}: line ${row.line}: ${message}`);
}

function nonEmpty(file: string, row: CsvRow, column: string): string {
  const value = row.fields[column].trim();
  if (value === '') fail(file, row, `empty ${column}`);
  return value;
}

function questionId(file: string, row: CsvRow): number {
  const text = row.fields.question_idx.trim();
  if (!/^\d+$/.test(text)) fail(file, row, `question_idx "${text}" is not a non-negative integer`);
  return Number(text);
}

/** `file` is only used in error messages. */
export function parseEasyCsv(text: string, file: string): EasyQuestion[] {
  const seen = new Set<number>();
  return readCsvRows(text, file, EASY_COLUMNS).map((row) => {
    const id = questionId(file, row);
    if (seen.has(id)) fail(file, row, `question_idx ${id} appears twice`);
    seen.add(id);
    const letter = row.fields.answer.trim().toUpperCase();
    const answer = OPTION_LETTERS.indexOf(letter as (typeof OPTION_LETTERS)[number]);
    if (answer < 0) fail(file, row, `answer "${row.fields.answer}" is not one of A, B, C, D`);
    const options = OPTION_LETTERS.map((l) => nonEmpty(file, row, `prompt_option_${l.toLowerCase()}`));
    return {
      id,
      question: nonEmpty(file, row, 'prompt_question'),
      options: options as EasyQuestion['options'],
      answer,
      country: nonEmpty(file, row, 'country'),
    };
  });
}

function parseTruth(file: string, row: CsvRow): boolean {
  const value = row.fields.answer.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fail(file, row, `answer "${row.fields.answer}" is not TRUE or FALSE`);
}

/** Hard rows come four per question, consecutive, with the same question text and country. */
export function parseHardCsv(text: string, file: string): HardQuestion[] {
  const rows = readCsvRows(text, file, HARD_COLUMNS);
  const questions: HardQuestion[] = [];
  const seen = new Set<number>();
  for (let start = 0; start < rows.length; start += 4) {
    const first = rows[start];
    const id = questionId(file, first);
    if (seen.has(id)) fail(file, first, `question_idx ${id} appears in two separate groups`);
    seen.add(id);
    const group = rows.slice(start, start + 4);
    const statements: HardStatement[] = group.map((row) => {
      if (questionId(file, row) !== id) {
        fail(file, row, `question ${id} has ${group.indexOf(row)} statement(s); expected 4 rows per question`);
      }
      return { text: nonEmpty(file, row, 'prompt_option'), isTrue: parseTruth(file, row) };
    });
    if (statements.length < 4) {
      fail(file, first, `question ${id} has ${statements.length} statement(s); expected 4 (truncated file?)`);
    }
    questions.push({
      id,
      question: nonEmpty(file, first, 'prompt_question'),
      statements: statements as HardQuestion['statements'],
      country: nonEmpty(file, first, 'country'),
    });
  }
  return questions;
}
