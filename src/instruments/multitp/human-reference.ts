import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { countryCatalogue, normaliseName, type ReferenceRow, type ReferenceTable } from '../../targets/index.ts';
import { describeError, UserError } from '../../util/errors.ts';
import { DIMENSION_ORDER, type Dimension } from './source-facts.ts';
import { PREFERENCE_NAMES, preferenceName } from './preferences.ts';

/**
 * The Moral Machine labels of MultiTP's human reference (`country_specific_ACME.csv`: per-country
 * AMCE estimates of Awad et al. 2018) for the six dimensions; the file's other labels (Intervention,
 * Relation to AV, Law, No. Characters_1.._4) are not read.
 */
export const ACME_LABELS: Readonly<Record<string, Dimension>> = {
  Species: 'Species',
  'Social Status': 'SocialValue',
  Gender: 'Gender',
  Age: 'Age',
  Fitness: 'Fitness',
  'No. Characters': 'Utilitarianism',
};

/** A row of the file that is not used, with its line number (the header is line 1) and why. */
export interface SetAsideRow {
  line: number;
  reason: string;
}

export interface HumanReference {
  /** ISO 3166-1 alpha-3 code (the file's `Country`) -> the human preference per dimension, in [0, 1]. */
  countries: Map<string, Partial<Record<Dimension, number>>>;
  setAside: SetAsideRow[];
}

const COLUMNS = ['Estimates', 'Label', 'Country'];

/**
 * Reads the ACME table: the human preference for a dimension is (1 + Estimates) / 2, the probability
 * of sparing the preferred group that an AMCE in [-1, 1] stands for (MultiTP's reading). A row whose
 * estimate is no number or lies outside [-1, 1], whose country is no three-letter code, or that
 * repeats a country and label seen earlier is set aside with its reason; the rest is used. A file
 * without the columns is refused.
 */
export function parseHumanReference(text: string, source: string): HumanReference {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new UserError(`${source}: not valid CSV (${describeError(error).replace(/\s+/g, ' ')})`);
  }
  if (records.length === 0 || !COLUMNS.every((c) => c in records[0])) throw new UserError(`${source}: expected the columns ${COLUMNS.join(', ')} (MultiTP's country_specific_ACME.csv)`);
  const countries = new Map<string, Partial<Record<Dimension, number>>>();
  const setAside: SetAsideRow[] = [];
  const firstLine = new Map<string, number>();
  records.forEach((record, i) => {
    const line = i + 2;
    const dimension = ACME_LABELS[record.Label];
    if (dimension === undefined) return;
    const estimate = record.Estimates === '' ? NaN : Number(record.Estimates);
    const key = `${record.Country} ${record.Label}`;
    let reason: string | undefined;
    if (!/^[A-Z]{3}$/.test(record.Country)) reason = `Country "${record.Country}" is not an ISO 3166-1 alpha-3 code`;
    else if (!Number.isFinite(estimate)) reason = `Estimates "${record.Estimates}" is not a number`;
    else if (Math.abs(estimate) > 1) reason = `Estimates ${estimate} lies outside [-1, 1]`;
    else if (firstLine.has(key)) reason = `repeats ${record.Country} ${record.Label} of line ${firstLine.get(key)}`;
    if (reason !== undefined) {
      setAside.push({ line, reason });
      return;
    }
    firstLine.set(key, line);
    const row = countries.get(record.Country) ?? {};
    row[dimension] = (1 + estimate) / 2;
    countries.set(record.Country, row);
  });
  return { countries, setAside };
}

/** "2 rows set aside (line 5: Estimates "x" is not a number; ...)", or "no row set aside". */
export function describeSetAside(rows: readonly SetAsideRow[]): string {
  if (rows.length === 0) return 'no row set aside';
  const shown = rows.slice(0, 3).map((r) => `line ${r.line}: ${r.reason}`);
  return `${rows.length} row${rows.length === 1 ? '' : 's'} set aside (${shown.join('; ')}${rows.length > 3 ? '; ...' : ''})`;
}

interface PlaceNamesFile {
  places: Record<string, { name: string; personaName?: string }>;
}

/** The ACME table read as a reference table: rows keyed by ISO3, each named by the catalogue (through its ISO3) or by place-names.json. */
export interface HumanReferenceTable extends ReferenceTable {
  reference(): HumanReference;
  /** How a persona sentence names a place the catalogue lacks, by its name in place-names.json, where that differs from the name. */
  personaNameOf(name: string): string | undefined;
}

let cached: { reference: HumanReference; rows: Map<string, ReferenceRow>; names: PlaceNamesFile['places'] } | undefined;

function load(): NonNullable<typeof cached> {
  if (cached) return cached;
  const file = new URL('./data/country_specific_ACME.csv', import.meta.url);
  const reference = parseHumanReference(readFileSync(file, 'utf8'), 'country_specific_ACME.csv');
  const names = (JSON.parse(readFileSync(new URL('./data/place-names.json', import.meta.url), 'utf8')) as PlaceNamesFile).places;
  const catalogueNames = new Map(countryCatalogue().filter((e) => e.iso3 !== undefined).map((e) => [e.iso3!, e.name]));
  const rows = new Map<string, ReferenceRow>();
  for (const [code, preferences] of reference.countries) {
    const values = Object.fromEntries(DIMENSION_ORDER.filter((d) => preferences[d] !== undefined).map((d) => [preferenceName(d), preferences[d]]));
    rows.set(code, { code, name: names[code]?.name ?? catalogueNames.get(code) ?? code, values });
  }
  cached = { reference, rows, names };
  return cached;
}

/**
 * The human preferences of MultiTP (`data/country_specific_ACME.csv`, 196 places by ISO3). A catalogue
 * place is found through its ISO3 code; a place the catalogue lacks (92 of them) by its name in
 * place-names.json or by the file's code.
 */
export const MULTITP_HUMAN_TABLE: HumanReferenceTable = {
  title: 'MultiTP human preferences (Moral Machine ACME)',
  naming: {
    names: PREFERENCE_NAMES,
    parse: (name) => {
      const key = name.trim().toLowerCase();
      return PREFERENCE_NAMES.find((n, i) => n.toLowerCase() === key || DIMENSION_ORDER[i].toLowerCase() === key);
    },
  },
  rowOf: (place, query) => {
    const { rows, names } = load();
    if (place) return place.iso3 === undefined ? undefined : rows.get(place.iso3);
    const wanted = normaliseName(query);
    return [...rows.values()].find((row) => names[row.code] !== undefined && (normaliseName(row.name) === wanted || normaliseName(row.code) === wanted));
  },
  regionRowOf: () => undefined,
  ownNames: () => Object.values(load().names).map((n) => n.name),
  reference: () => load().reference,
  personaNameOf: (name) => Object.values(load().names).find((n) => n.name === name)?.personaName,
};
