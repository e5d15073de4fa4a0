import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { parseDimension, type PartialScores } from './dimensions.ts';

/** One row of Hofstede's 6-D table (2015-08-16): a country, a region or a sub-national group. */
export interface HofstedeRow {
  /** Hofstede's own 3-letter code (CHI, GER, ...), not ISO 3166. */
  code: string;
  name: string;
  /** Published scores; `#NULL!` cells are absent. */
  scores: PartialScores;
}

const MISSING = '#NULL!';

/** Parses the table as distributed: semicolon-separated, header `ctr;country;pdi;idv;mas;uai;ltowvs;ivr`. */
export function parseHofstedeTable(text: string): HofstedeRow[] {
  const records = parse(text, { delimiter: ';', columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return records.map((record, i) => {
    const scores: PartialScores = {};
    for (const [column, cell] of Object.entries(record)) {
      const dimension = parseDimension(column);
      if (!dimension || cell === MISSING) continue;
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) throw new Error(`6-D table line ${i + 2}: ${column} "${cell}" is not a number`);
      scores[dimension] = value;
    }
    return { code: record.ctr, name: record.country, scores };
  });
}

let cached: HofstedeRow[] | undefined;

/** The project's copy of the table (read once). */
export function hofstedeTable(): readonly HofstedeRow[] {
  cached ??= parseHofstedeTable(readFileSync(new URL('./data/6-dimensions-for-website-2015-08-16.csv', import.meta.url), 'utf8'));
  return cached;
}

export function hofstedeRow(code: string): HofstedeRow | undefined {
  return hofstedeTable().find((row) => row.code === code);
}
