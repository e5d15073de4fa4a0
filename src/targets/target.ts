import { UserError } from '../util/errors.ts';
import { parseDecimal } from '../util/numbers.ts';
import { findCountry, normaliseName, unknownCountryError, type CountryEntry, type CountryKind } from './countries.ts';
import type { ScoreNaming, TargetFile, TargetFileEntry } from './target-file.ts';

/** Where one number of a target comes from. */
export type TargetSource =
  | { kind: 'country-row'; table: string; code: string; name: string }
  | { kind: 'region-row'; table: string; code: string; name: string }
  | { kind: 'file'; file: string; line: number }
  | { kind: 'command-line' };

export interface TargetValue {
  value: number;
  source: TargetSource;
}

/** `none`: only the place's own row; `region`: missing values from the region row it belongs to. */
export type Fallback = 'none' | 'region';

/** The place a target stands for. */
export interface TargetCountry {
  name: string;
  /** `custom` when only the user's targets file knows the place. */
  kind: CountryKind | 'custom';
  code?: string;
  iso2?: string;
  iso3?: string;
  /** How a persona sentence names the place ("the United States"). */
  personaName: string;
  region?: { code: string; name: string };
}

/**
 * The target a run uses: plain JSON, so a run can store it and reports and resumed runs use the same
 * numbers without looking anything up again. `values` are the named numbers a report shows next to the
 * model's scores; `reference` holds what an instrument compares with beyond them (answer distributions).
 */
export interface Target {
  country: TargetCountry;
  fallback: Fallback;
  values: Partial<Record<string, TargetValue>>;
  missing: string[];
  reference?: unknown;
}

export interface TargetRequest {
  /** Name, Hofstede code or ISO 3166 code, any case; or a country named in `file`. */
  country: string;
  fallback?: Fallback;
  /** `--targets FILE`: overrides or completes the published row. */
  file?: TargetFile;
  /** `--target NAME=VALUE,...`: overrides everything else. */
  overrides?: Partial<Record<string, number>>;
}

/** One row of a published table of per-country values. */
export interface ReferenceRow {
  code: string;
  name: string;
  values: Partial<Record<string, number>>;
}

/** A published table of per-country values an instrument's targets come from. */
export interface ReferenceTable {
  /** How sources name it: "Hofstede 6-D table". */
  title: string;
  naming: ScoreNaming;
  /** The row of a catalogue place, or of a place only this table knows (by `query`). */
  rowOf(place: CountryEntry | undefined, query: string): ReferenceRow | undefined;
  /** The row `--fallback region` takes missing values from. */
  regionRowOf(place: CountryEntry): ReferenceRow | undefined;
  /** Names of places only this table knows, for "nearest" suggestions. */
  ownNames(): string[];
}

function describeEntry(entry: CountryEntry, region: ReferenceRow | undefined): TargetCountry {
  return {
    name: entry.name,
    kind: entry.kind,
    ...(entry.code ? { code: entry.code } : {}),
    ...(entry.iso2 ? { iso2: entry.iso2, iso3: entry.iso3 } : {}),
    personaName: entry.personaName,
    ...(region ? { region: { code: region.code, name: region.name } } : {}),
  };
}

/**
 * Builds the target for one place from a table. Per value the first source that has a number wins:
 * command line, targets file, the place's own row, then (with fallback `region`) its region's row.
 */
export function resolveTarget(table: ReferenceTable, request: TargetRequest): Target {
  const entry = findCountry(request.country);
  const ownRow = table.rowOf(entry, request.country);
  const fileEntry = request.file ? matchFileEntry(request.file, request.country, entry, table) : undefined;
  const regionRow = entry ? table.regionRowOf(entry) : undefined;
  let country: TargetCountry;
  if (entry) country = describeEntry(entry, regionRow);
  else if (ownRow) country = { name: ownRow.name, kind: 'country', personaName: ownRow.name };
  else if (fileEntry) country = { name: fileEntry.country, kind: 'custom', personaName: fileEntry.country };
  else throw unknownCountryError(request.country, table.ownNames());
  const fallback = request.fallback ?? 'none';
  const values: Partial<Record<string, TargetValue>> = {};
  for (const name of table.naming.names) {
    const fromCommandLine = request.overrides?.[name];
    const fromFile = fileEntry?.values[name];
    if (fromCommandLine !== undefined) values[name] = { value: fromCommandLine, source: { kind: 'command-line' } };
    else if (fromFile && request.file) values[name] = { value: fromFile.value, source: { kind: 'file', file: request.file.file, line: fromFile.line } };
    else if (ownRow?.values[name] !== undefined) values[name] = { value: ownRow.values[name], source: { kind: 'country-row', table: table.title, code: ownRow.code, name: ownRow.name } };
    else if (fallback === 'region' && regionRow?.values[name] !== undefined) {
      values[name] = { value: regionRow.values[name], source: { kind: 'region-row', table: table.title, code: regionRow.code, name: regionRow.name } };
    }
  }
  return { country, fallback, values, missing: table.naming.names.filter((n) => values[n] === undefined) };
}

/**
 * The file's entry for the requested place: the same catalogue place, or the same spelling for places
 * only the file knows. A file with no such entry is an error, so a misspelt country in it is not ignored.
 */
function matchFileEntry(file: TargetFile, query: string, entry: CountryEntry | undefined, table: ReferenceTable): TargetFileEntry | undefined {
  const matches = file.entries.filter((candidate) => {
    const known = findCountry(candidate.country);
    return entry && known ? known === entry : normaliseName(candidate.country) === normaliseName(query);
  });
  if (matches.length > 1) {
    throw new UserError(`${file.file}: ${query} is given more than once (lines ${matches.map((m) => m.line).join(', ')})`);
  }
  if (matches.length === 0) {
    if (!entry) throw unknownCountryError(query, [...table.ownNames(), ...file.entries.map((e) => e.country)]);
    throw new UserError(`${file.file} has no entry for ${entry.name} (it has: ${file.entries.map((e) => e.country).join(', ')})`);
  }
  return matches[0];
}

/** The plain numbers of a target, as a loss wants them. */
export function targetValues(target: Target): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [name, v] of Object.entries(target.values)) if (v) values[name] = v.value;
  return values;
}

export function describeSource(source: TargetSource): string {
  switch (source.kind) {
    case 'country-row':
      return `${source.table}, row ${source.code} (${source.name})`;
    case 'region-row':
      return `region fallback: ${source.table}, row ${source.code} (${source.name})`;
    case 'file':
      return `${source.file}:${source.line}`;
    case 'command-line':
      return '--target';
  }
}

/**
 * What a run would leave out of the loss and how to fill it, before any compute is spent; empty when
 * every value is there. `train` and the survey commands print it.
 */
/** Which target flags the command explaining a missing value takes (sweep has --targets but no --target). */
export interface TargetAdvice {
  commandLine: boolean;
}

export function explainMissing(target: Target, table: ReferenceTable, flags: TargetAdvice = { commandLine: true }): string[] {
  if (target.missing.length === 0) return [];
  const names = table.naming.names;
  const present = names.filter((n) => target.values[n]);
  const name = target.country.name;
  const lines = [
    present.length === 0
      ? `${name} has no value in the ${table.title}: a run needs at least one.`
      : `${name} has ${present.length} of ${names.length} values (${present.join(', ')}); missing ${target.missing.join(', ')}: the loss will use only ${present.join(', ')}.`,
  ];
  const entry = findCountry(name);
  const region = entry ? table.regionRowOf(entry) : undefined;
  const fromRegion = region ? target.missing.filter((n) => region.values[n] !== undefined) : [];
  if (region && target.fallback === 'none' && fromRegion.length > 0) {
    const numbers = fromRegion.map((n) => `${n} ${region.values[n]}`).join(', ');
    lines.push(`  --fallback region fills ${fromRegion.join(', ')} from the "${region.name}" row (${numbers}).`);
  }
  const example = target.missing.map((n) => `${n}=..`).join(',');
  const file = `--targets FILE (JSON or CSV: country, ${target.missing.join(', ')})`;
  lines.push(flags.commandLine ? `  --target ${example} sets them on the command line; ${file} from a file.` : `  ${file} sets them from a file.`);
  return lines;
}

/** Refuses a target with no value at all, with the explanation of how to fill it. */
export function requireUsableTarget(target: Target, table: ReferenceTable): void {
  if (target.missing.length === table.naming.names.length) throw new UserError(explainMissing(target, table).map((l) => l.trim()).join(' '));
}

/**
 * The largest magnitude a target or a constant may have. Every published scale is small (Hofstede's
 * 0 to about 120, VSM 2013 constants a few hundred, the cultural map's coordinates within ±5, MultiTP's
 * preferences within ±1), while a loss squares differences (VSM 2013's l2) and sums them: a value of
 * 1e308 made the loss Infinity, which DE cannot rank. Within ±10^6 a square stays below 10^13, exact
 * enough and far from overflow; anything larger is a typo or a hostile file.
 */
const MAX_SCORE_MAGNITUDE = 1e6;

/** Why a target or constant value cannot be used (not finite, or beyond ±MAX_SCORE_MAGNITUDE), or undefined. */
export function scoreValueProblem(name: string, value: number): string | undefined {
  if (!Number.isFinite(value)) return `${name} ${value} is not a finite number`;
  if (Math.abs(value) <= MAX_SCORE_MAGNITUDE) return undefined;
  return `${name} ${value} is beyond ±${MAX_SCORE_MAGNITUDE.toLocaleString('en')}, far outside any published scale (the loss would overflow)`;
}

/** Reads `NAME=VALUE,NAME=VALUE` (any subset of the names); `what` names the flag in errors. */
export function parseAssignments(text: string, what: string, naming: ScoreNaming): Record<string, number> {
  const result: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const match = /^([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(part);
    const name = match ? naming.parse(match[1]) : undefined;
    if (!match || !name) throw new UserError(`${what}: "${part}" is not NAME=NUMBER with NAME one of ${naming.names.join(', ')}`);
    const value = parseDecimal(match[2]);
    if (value === undefined) throw new UserError(`${what}: "${match[2]}" for ${name} is not a decimal number`);
    const problem = scoreValueProblem(name, value);
    if (problem) throw new UserError(`${what}: ${problem}`);
    if (name in result) throw new UserError(`${what}: ${name} is given twice`);
    result[name] = value;
  }
  if (Object.keys(result).length === 0) throw new UserError(`${what}: no NAME=NUMBER pairs in "${text}"`);
  return result;
}
