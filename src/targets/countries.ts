import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { hofstedeTable } from './hofstede-table.ts';
import { nearestNames } from './nearest-names.ts';

export type CountryKind = 'country' | 'region' | 'subnational';

/** A place cultune can name: a row of the 6-D table, or a country that exists only inside a region row. */
export interface CountryEntry {
  name: string;
  /** Hofstede's code of the place's own row; absent when it has none. */
  code?: string;
  kind: CountryKind;
  iso2?: string;
  iso3?: string;
  aliases: string[];
  /** Code of the region row whose scores `--fallback region` may use. */
  region?: string;
  /** How a persona sentence names the place ("the United States" for "U.S.A."). */
  personaName: string;
}

interface CountriesFile {
  rows: Record<string, { kind: CountryKind; iso2?: string; iso3?: string; aliases?: string[]; region?: string; personaName?: string }>;
  withoutRow: { name: string; iso2: string; iso3: string; aliases?: string[]; region: string; personaName?: string }[];
}

let cached: CountryEntry[] | undefined;

/** Every known place: the table's rows in table order, then the countries known only through a region. */
export function countryCatalogue(): readonly CountryEntry[] {
  cached ??= buildCatalogue(JSON.parse(readFileSync(new URL('./data/countries.json', import.meta.url), 'utf8')) as CountriesFile);
  return cached;
}

function buildCatalogue(file: CountriesFile): CountryEntry[] {
  const rows = hofstedeTable().map((row): CountryEntry => {
    const info = file.rows[row.code];
    if (!info) throw new Error(`countries.json has no entry for table row ${row.code}`);
    const { aliases = [], personaName = row.name, ...rest } = info;
    return { name: row.name, code: row.code, aliases, personaName, ...rest };
  });
  const withoutRow = file.withoutRow.map(({ aliases = [], personaName, ...rest }): CountryEntry => ({
    kind: 'country',
    aliases,
    personaName: personaName ?? rest.name,
    ...rest,
  }));
  return [...rows, ...withoutRow];
}

/** Case, accents and punctuation do not matter: "U.S.A." and "u s a" are the same spelling. */
export function normaliseName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function spellings(entry: CountryEntry): string[] {
  return [entry.name, ...entry.aliases, entry.code, entry.iso2, entry.iso3]
    .filter((s): s is string => s !== undefined)
    .map(normaliseName);
}

/** A short label: "Saudi Arabia (SAU, SA)". */
export function describeCountry(entry: CountryEntry): string {
  const codes = [entry.code, entry.iso2].filter((c) => c !== undefined);
  return codes.length > 0 ? `${entry.name} (${codes.join(', ')})` : entry.name;
}

/**
 * The place a name, alias, Hofstede code or ISO 3166 alpha-2/alpha-3 code names; undefined when none.
 * A code that names two places (SLV: Hofstede's Slovenia, ISO's El Salvador) is an error, not a guess.
 */
export function findCountry(query: string): CountryEntry | undefined {
  const key = normaliseName(query);
  const matches = countryCatalogue().filter((entry) => spellings(entry).includes(key));
  if (matches.length > 1) {
    throw new UserError(`"${query}" is ambiguous: it names ${matches.map((m) => describeCountry(m)).join(' and ')}; use the full name`);
  }
  return matches[0];
}

/** Unknown place: the error names the three closest known places (and any extra names, e.g. a targets file's). */
export function unknownCountryError(query: string, extraNames: readonly string[] = []): UserError {
  const candidates = [
    ...countryCatalogue().map((entry) => ({ label: entry.name, spellings: spellings(entry) })),
    ...extraNames.map((name) => ({ label: name, spellings: [normaliseName(name)] })),
  ];
  const nearest = nearestNames(normaliseName(query), candidates, (c) => c.spellings, 3).map((c) => c.label);
  return new UserError(`unknown country "${query}"; nearest: ${nearest.join(', ')} (\`cultune targets\` lists all)`);
}

/** Like findCountry, but an unknown place is a UserError naming the nearest known ones. */
export function lookupCountry(query: string): CountryEntry {
  const entry = findCountry(query);
  if (!entry) throw unknownCountryError(query);
  return entry;
}
