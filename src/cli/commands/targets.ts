import { Option, type Command } from 'commander';
import { writeJsonAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { DEFAULT_INSTRUMENT, instrumentNamed, type AnyInstrument, type InstrumentSpec } from '../../instruments/index.ts';
import { readSettings } from '../../util/settings.ts';
import { loadInstrumentData } from '../instrument-options.ts';
import {
  countryCatalogue,
  describeSource,
  DIMENSIONS,
  explainMissing,
  hofstedeRow,
  parseAssignments,
  readTargetsFile,
  type CountryEntry,
  type Fallback,
  type Target,
  type TargetRequest,
} from '../../targets/index.ts';

/** The flags that choose a target; the survey commands, `train` and `eval` share them. */
export interface TargetFlags {
  country?: string;
  targets?: string;
  target?: string;
  fallback: Fallback;
}

export function addTargetOptions(command: Command): Command {
  return command
    .option('--country <country>', 'name, Hofstede code (SAU) or ISO 3166 code (SA, SAU), any case')
    .option('--targets <file>', "JSON or CSV with country and any of the instrument's score names (PDI, IDV, ...): overrides or completes the published row")
    .option('--target <values>', 'e.g. PDI=95,IDV=25: overrides the published row and --targets')
    .addOption(
      new Option('--fallback <source>', 'fill missing dimensions from the region row the country belongs to').choices(['none', 'region']).default('none'),
    );
}

/** The target request of the flags (with --country) for an instrument: a targets file and overrides are read with its score names. */
export function targetRequestFromFlags(flags: TargetFlags & { country: string }, instrument: AnyInstrument): TargetRequest {
  const table = instrument.table;
  if (!table && (flags.targets !== undefined || flags.target !== undefined)) {
    throw new UserError(`${instrument.name}'s target is not a row of named values: --targets and --target do not apply`);
  }
  return {
    country: flags.country,
    fallback: flags.fallback,
    file: flags.targets === undefined || !table ? undefined : readTargetsFile(flags.targets, table.naming),
    overrides: flags.target === undefined || !table ? undefined : parseAssignments(flags.target, '--target', table.naming),
  };
}

/** The instrument's target the flags describe; undefined without --country. */
export function targetFromFlags(flags: TargetFlags, spec: Pick<InstrumentSpec, 'instrument' | 'data'>): Target | undefined {
  if (flags.country === undefined) {
    if (flags.targets !== undefined || flags.target !== undefined) throw new UserError('--targets and --target need --country');
    return undefined;
  }
  return spec.instrument.target(targetRequestFromFlags({ ...flags, country: flags.country }, spec.instrument), spec.data);
}

/** `--json` alone prints JSON instead of the table; `--json FILE` writes it there (atomically) as well. */
export function emitJson(json: string | boolean | undefined, value: unknown, printTable: () => void): void {
  if (json === true) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  printTable();
  if (typeof json === 'string') writeJsonAtomic(json, value);
}

export function formatTarget(target: Target, instrument: AnyInstrument): string[] {
  const { country } = target;
  const codes = [country.code && `Hofstede ${country.code}`, country.iso2 && `ISO ${country.iso2}/${country.iso3}`, country.region && `region ${country.region.name}`];
  const lines = [`${country.name}${country.kind === 'custom' ? ' (from the targets file)' : ''}${codes.some(Boolean) ? ` (${codes.filter(Boolean).join('; ')})` : ''}`];
  for (const { name } of instrument.columns) {
    const value = target.values[name];
    lines.push(`  ${name.padEnd(3)}  ${value ? String(value.value).padStart(4) : '   -'}  ${value ? describeSource(value.source) : 'missing'}`);
  }
  return [...lines, ...(instrument.table ? explainMissing(target, instrument.table) : [])];
}

function listingRow(entry: CountryEntry) {
  const scores = entry.code === undefined ? {} : (hofstedeRow(entry.code)?.scores ?? {});
  return { code: entry.code ?? null, name: entry.name, kind: entry.kind, iso2: entry.iso2 ?? null, iso3: entry.iso3 ?? null, region: entry.region ?? null, scores };
}

function printListing(rows: ReturnType<typeof listingRow>[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  const cell = (text: string, n: number) => text.padEnd(n);
  const out = [`${cell('code', 5)}${cell('name', width + 2)}${cell('kind', 12)}${cell('ISO', 8)}${cell('region', 7)}${DIMENSIONS.map((d) => d.padStart(4)).join('')}`];
  for (const r of rows) {
    const iso = r.iso2 ? `${r.iso2}/${r.iso3}` : '-';
    const values = DIMENSIONS.map((d) => String(r.scores[d] ?? '-').padStart(4)).join('');
    out.push(`${cell(r.code ?? '-', 5)}${cell(r.name, width + 2)}${cell(r.kind, 12)}${cell(iso, 8)}${cell(r.region ?? '-', 7)}${values}`);
  }
  const tableRows = rows.filter((r) => r.code !== null);
  const complete = tableRows.filter((r) => Object.keys(r.scores).length === DIMENSIONS.length).length;
  out.push(
    '',
    `${tableRows.length} rows of Hofstede's 6-D table (2015-08-16), ${complete} with all six dimensions ('-' = not published);`,
    `${rows.length - tableRows.length} more countries known only through a region row (--fallback region). \`cultune targets --country X\` shows one target and its sources.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

export function register(program: Command): void {
  addTargetOptions(
    program
      .command('targets')
      .description("What the tool knows of Hofstede's published scores: all rows, or the target a run for one country would use and where each number comes from"),
  )
    .option('--instrument <name>', `whose target to show (default ${DEFAULT_INSTRUMENT})`)
    .option('--json [file]', 'print JSON instead of the table, or with a file name write it there too')
    .action(async (flags: TargetFlags & { instrument?: string; json?: string | boolean }) => {
      const instrument = instrumentNamed(flags.instrument ?? DEFAULT_INSTRUMENT);
      const data = flags.country === undefined ? undefined : await loadInstrumentData(instrument, {}, readSettings(), flags.json !== undefined, false);
      const target = targetFromFlags(flags, { instrument, data });
      if (target) {
        emitJson(flags.json, target, () => process.stdout.write(`${formatTarget(target, instrument).join('\n')}\n`));
        return;
      }
      const rows = countryCatalogue().map(listingRow);
      emitJson(flags.json, rows, () => printListing(rows));
    });
}
