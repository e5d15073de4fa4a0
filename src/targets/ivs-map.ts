import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { findCountry, normaliseName } from './countries.ts';
import type { ReferenceRow, ReferenceTable } from './target.ts';

/** The two axes of the Inglehart-Welzel map: PC1 survival (-) to self-expression (+), PC2 traditional (-) to secular-rational (+). */
export const IVS_AXES = ['PC1', 'PC2'] as const;

/** One row of Table S5: a country's mean position on the map, with its IVS country code (ISO 3166 numeric). */
export interface IvsMapRow extends ReferenceRow {
  region: string;
}

/** Table S5's ISO-style names that the catalogue knows by another name. */
const CATALOGUE_NAMES: Record<string, string> = {
  'Korea (the Republic of)': 'South Korea',
  'United Kingdom of Great Britain and Northern Ireland (the)': 'United Kingdom',
  'Taiwan (Province of China)': 'Taiwan',
  'Republic of North Macedonia': 'North Macedonia',
};

/** "Bolivia (Plurinational State of)" -> "Bolivia", "Netherlands (the)" -> "Netherlands", "Palestine, State of" -> "Palestine". */
function shortName(name: string): string {
  return name.replace(/\s*\([^)]*\)/g, '').replace(/, State of$/, '').trim();
}

/** Parses the table as distributed: `country,country_code,PC1,PC2,cultural_region,data_source`. */
export function parseIvsMapTable(text: string): IvsMapRow[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return records.map((r, i) => {
    const [pc1, pc2] = [Number(r.PC1), Number(r.PC2)];
    if (r.country === '' || !Number.isFinite(pc1) || !Number.isFinite(pc2)) throw new Error(`Table S5 line ${i + 2} is not a country with PC1 and PC2`);
    return { code: r.country_code, name: shortName(r.country), values: { PC1: pc1, PC2: pc2 }, region: r.cultural_region };
  });
}

let cached: { rows: IvsMapRow[]; byEntry: Map<unknown, IvsMapRow> } | undefined;

function load(): NonNullable<typeof cached> {
  if (cached) return cached;
  const text = readFileSync(new URL('./data/Table_S5_IVS_PCA_coordinates.csv', import.meta.url), 'utf8');
  const rows = parseIvsMapTable(text);
  const byEntry = new Map<unknown, IvsMapRow>();
  const original = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  rows.forEach((row, i) => {
    let entry;
    try {
      entry = findCountry(CATALOGUE_NAMES[original[i].country] ?? row.name);
    } catch {
      entry = undefined; // a name the catalogue finds ambiguous: the row is reached by its own name
    }
    if (entry && !byEntry.has(entry)) byEntry.set(entry, row);
  });
  cached = { rows, byEntry };
  return cached;
}

/**
 * The Inglehart-Welzel map positions of Table S5 (IVS waves from 2005, 112 countries) as a reference
 * table: a catalogue place's row, or a row by its own name for places only this table has (Kazakhstan).
 */
export const IVS_MAP_TABLE: ReferenceTable = {
  title: 'IVS map Table S5',
  naming: { names: IVS_AXES, parse: (name) => IVS_AXES.find((axis) => axis === name.trim().toUpperCase()) },
  rowOf: (place, query) => {
    const { rows, byEntry } = load();
    if (place) return byEntry.get(place);
    return rows.find((row) => normaliseName(row.name) === normaliseName(query));
  },
  regionRowOf: () => undefined,
  ownNames: () => load().rows.filter((row) => ![...load().byEntry.values()].includes(row)).map((row) => row.name),
};
