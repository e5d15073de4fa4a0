import { UserError } from '../util/errors.ts';
import { DIMENSIONS, type Dimension, type PartialScores } from './dimensions.ts';
import { findCountry, normaliseName, unknownCountryError, type CountryEntry, type CountryKind } from './countries.ts';
import { hofstedeRow } from './hofstede-table.ts';
import type { TargetFile, TargetFileEntry } from './target-file.ts';

/** Where one number of a target comes from. */
export type TargetSource =
  | { kind: 'country-row'; code: string; name: string }
  | { kind: 'region-row'; code: string; name: string }
  | { kind: 'file'; file: string; line: number }
  | { kind: 'command-line' };

export interface TargetValue {
  value: number;
  source: TargetSource;
}

/** `none`: only the place's own row; `region`: missing dimensions from the region row it belongs to. */
export type Fallback = 'none' | 'region';

/**
 * The target a run uses: plain JSON, so a run can store it and reports and resumed runs use the same
 * numbers without looking anything up again.
 */
export interface Target {
  country: {
    name: string;
    /** `custom` when only the user's targets file knows the place. */
    kind: CountryKind | 'custom';
    code?: string;
    iso2?: string;
    iso3?: string;
    personaName: string;
    region?: { code: string; name: string };
  };
  fallback: Fallback;
  values: Partial<Record<Dimension, TargetValue>>;
  missing: Dimension[];
}

export interface TargetRequest {
  /** Name, Hofstede code or ISO 3166 code, any case; or a country named in `file`. */
  country: string;
  fallback?: Fallback;
  /** `--targets FILE`: overrides or completes the published row. */
  file?: TargetFile;
  /** `--target PDI=95,...`: overrides everything else. */
  overrides?: PartialScores;
}

/**
 * Builds the target for one place. Per dimension the first source that has a number wins:
 * command line, targets file, the place's own row, then (with fallback `region`) its region's row.
 */
export function resolveTarget(request: TargetRequest): Target {
  const entry = findCountry(request.country);
  const fileEntry = request.file ? matchFileEntry(request.file, request.country, entry) : undefined;
  let country: Target['country'];
  if (entry) country = describeEntry(entry);
  else if (fileEntry) country = { name: fileEntry.country, kind: 'custom', personaName: fileEntry.country };
  else throw unknownCountryError(request.country);
  const fallback = request.fallback ?? 'none';
  const ownRow = entry?.code === undefined ? undefined : hofstedeRow(entry.code);
  const regionRow = entry?.region === undefined ? undefined : hofstedeRow(entry.region);

  const values: Partial<Record<Dimension, TargetValue>> = {};
  for (const d of DIMENSIONS) {
    const fromCommandLine = request.overrides?.[d];
    const fromFile = fileEntry?.values[d];
    if (fromCommandLine !== undefined) values[d] = { value: fromCommandLine, source: { kind: 'command-line' } };
    else if (fromFile && request.file) values[d] = { value: fromFile.value, source: { kind: 'file', file: request.file.file, line: fromFile.line } };
    else if (ownRow?.scores[d] !== undefined) values[d] = { value: ownRow.scores[d], source: { kind: 'country-row', code: ownRow.code, name: ownRow.name } };
    else if (fallback === 'region' && regionRow?.scores[d] !== undefined) {
      values[d] = { value: regionRow.scores[d], source: { kind: 'region-row', code: regionRow.code, name: regionRow.name } };
    }
  }
  return {
    country,
    fallback,
    values,
    missing: DIMENSIONS.filter((d) => values[d] === undefined),
  };
}

function describeEntry(entry: CountryEntry): Target['country'] {
  const region = entry.region === undefined ? undefined : hofstedeRow(entry.region);
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
 * The file's entry for the requested place: the same catalogue place, or the same spelling for places
 * only the file knows. A file with no such entry is an error, so a misspelt country in it is not ignored.
 */
function matchFileEntry(file: TargetFile, query: string, entry: CountryEntry | undefined): TargetFileEntry | undefined {
  const matches = file.entries.filter((candidate) => {
    const known = findCountry(candidate.country);
    return entry && known ? known === entry : normaliseName(candidate.country) === normaliseName(query);
  });
  if (matches.length > 1) {
    throw new UserError(`${file.file}: ${query} is given more than once (lines ${matches.map((m) => m.line).join(', ')})`);
  }
  if (matches.length === 0) {
    if (!entry) throw unknownCountryError(query, file.entries.map((e) => e.country));
    throw new UserError(`${file.file} has no entry for ${entry.name} (it has: ${file.entries.map((e) => e.country).join(', ')})`);
  }
  return matches[0];
}

/** The plain numbers of a target, as the loss wants them. */
export function targetValues(target: Target): PartialScores {
  const values: PartialScores = {};
  for (const d of DIMENSIONS) if (target.values[d]) values[d] = target.values[d].value;
  return values;
}

export function describeSource(source: TargetSource): string {
  switch (source.kind) {
    case 'country-row':
      return `Hofstede 6-D table, row ${source.code} (${source.name})`;
    case 'region-row':
      return `region fallback: row ${source.code} (${source.name})`;
    case 'file':
      return `${source.file}:${source.line}`;
    case 'command-line':
      return '--target';
  }
}

/**
 * What a run would leave out of the loss and how to fill it, before any compute is spent; empty when
 * all six dimensions are there. The `train` and `vsm13` commands print it.
 */
export function explainMissingDimensions(target: Target): string[] {
  if (target.missing.length === 0) return [];
  const present = DIMENSIONS.filter((d) => target.values[d]);
  const name = target.country.name;
  const lines = [
    present.length === 0
      ? `${name} has no score on any dimension: a run needs at least one.`
      : `${name} has ${present.length} of 6 dimensions (${present.join(', ')}); missing ${target.missing.join(', ')}: the VSM13 loss will use only ${present.join(', ')}.`,
  ];
  const region = target.country.region ? hofstedeRow(target.country.region.code) : undefined;
  const fromRegion = region ? target.missing.filter((d) => region.scores[d] !== undefined) : [];
  if (region && target.fallback === 'none' && fromRegion.length > 0) {
    const numbers = fromRegion.map((d) => `${d} ${region.scores[d]}`).join(', ');
    lines.push(`  --fallback region fills ${fromRegion.join(', ')} from the "${region.name}" row (${numbers}).`);
  }
  const example = target.missing.map((d) => `${d}=..`).join(',');
  lines.push(`  --target ${example} sets them on the command line; --targets FILE (JSON or CSV: country, ${target.missing.join(', ')}) from a file.`);
  return lines;
}

/** Refuses a target with no dimension at all, with the explanation of how to fill it. */
export function requireUsableTarget(target: Target): void {
  if (target.missing.length === DIMENSIONS.length) throw new UserError(explainMissingDimensions(target).map((l) => l.trim()).join(' '));
}
