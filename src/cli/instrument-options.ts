import { Option, type Command } from 'commander';
import { DEFAULT_FORMAT, DEFAULT_INSTRUMENT, FORMATS, FORMAT_NAMES, formatSetting, instrumentNamed, instruments, type AnyInstrument, type FormatFlags, type InstrumentSpec, type SettingFlags, type SettingOption } from '../instruments/index.ts';
import { UserError } from '../util/errors.ts';
import type { Settings } from '../util/settings.ts';
import { MAX_NEW_TOKENS } from '../model/request-limits.ts';
import { integerBetween } from './parsers.ts';

/**
 * Flags of every registered instrument's settings, once each. Instruments share `--variants` and
 * `--answer` (one option); two may give one flag each its own meaning (`--metric`: VSM 2013's l1|l2,
 * GlobalOpinionQA's jsd|wasserstein): the flag then takes the choices of both, its help says each,
 * and each instrument checks the value against its own.
 */
function settingOptions(): { option: SettingOption; owners: string[] }[] {
  const byFlag = new Map<string, { option: SettingOption; owners: string[] }[]>();
  for (const instrument of instruments()) {
    for (const option of instrument.options) {
      const long = option.flags.split(' ')[0];
      const meanings = byFlag.get(long) ?? [];
      const same = meanings.find((m) => m.option === option);
      if (same) same.owners.push(instrument.name);
      else meanings.push({ option, owners: [instrument.name] });
      byFlag.set(long, meanings);
    }
  }
  return [...byFlag.values()].map((meanings) => (meanings.length === 1 ? meanings[0] : oneFlag(meanings)));
}

/** One flag for the meanings several instruments give it. */
function oneFlag(meanings: { option: SettingOption; owners: string[] }[]): { option: SettingOption; owners: string[] } {
  const [first] = meanings;
  const described = (option: SettingOption) => `${option.description}${option.defaultText ? ` (default ${option.defaultText})` : ''}`;
  const choices = meanings.every((m) => m.option.choices) ? [...new Set(meanings.flatMap((m) => m.option.choices!))] : undefined;
  return {
    option: { flags: first.option.flags, key: first.option.key, description: meanings.map((m) => described(m.option)).join('; '), ...(choices && { choices }) },
    owners: meanings.flatMap((m) => m.owners),
  };
}

export interface InstrumentFlags extends FormatFlags {
  instrument?: string;
  /** `--data`: a local copy of the instrument's dataset (CulturalBench's is `--culturalbench-data`). */
  data?: string;
  download?: boolean;
  [setting: string]: unknown;
}

/**
 * `--format` and `--max-new-tokens`: how questions are put (formats.ts). No commander defaults: a
 * flag not given keeps a run's stored format, else classify.
 */
export function addFormatOptions(command: Command): Command {
  const generating = FORMATS.filter((f) => f.defaultMaxNewTokens > 0);
  return command
    .addOption(
      new Option('--format <name>', `how questions are asked: ${FORMATS.map((f) => `${f.name} (${f.description})`).join('; ')} (default ${DEFAULT_FORMAT})`).choices(FORMAT_NAMES),
    )
    .addOption(
      new Option('--max-new-tokens <n>', `tokens generated at most per question (default ${generating.map((f) => `${f.defaultMaxNewTokens} for ${f.name}`).join(', ')}; at most ${MAX_NEW_TOKENS}, and below the model's context)`).argParser(integerBetween(1, MAX_NEW_TOKENS)),
    );
}

/**
 * `--instrument NAME`, the format flags and every instrument's settings. No commander defaults: a flag not given keeps
 * the run's stored setting or the instrument's default, so the instrument applies them.
 */
export function addInstrumentOptions(command: Command, options: { withName?: boolean } = {}): Command {
  if (options.withName ?? true) {
    command.addOption(new Option('--instrument <name>', `the survey the loss comes from: ${instruments().map((i) => i.name).join(', ')} (default ${DEFAULT_INSTRUMENT})`));
  }
  const withData = instruments().filter((i) => i.loadData).map((i) => i.name);
  if (withData.length > 0) {
    command.option('--data <path>', `local copy of the instrument's dataset (${withData.join(', ')}; default: the cache, downloading if needed)`);
    if (!command.options.some((o) => o.long === '--no-download')) command.option('--no-download', "use the cached dataset only");
  }
  addFormatOptions(command);
  for (const { option, owners } of settingOptions()) {
    const help = `${option.description}${option.defaultText ? ` (default ${option.defaultText})` : ''}${owners.length < instruments().length ? ` [${owners.join(', ')}]` : ''}`;
    const flag = new Option(option.flags, help);
    if (option.choices) flag.choices(option.choices);
    command.addOption(flag);
  }
  return command;
}

/** The setting flags given on the command line for `instrumentName`; a flag of another instrument only is an error. */
export function settingFlags(flags: InstrumentFlags, instrumentName: string): SettingFlags {
  const given: Record<string, string> = {};
  for (const { option, owners } of settingOptions()) {
    const value = flags[option.key];
    if (value === undefined) continue;
    if (!owners.includes(instrumentName)) throw new UserError(`${option.flags.split(' ')[0]} is a setting of ${owners.join(', ')}, not of ${instrumentName}`);
    given[option.key] = String(value);
  }
  return given;
}

/** The instrument the flags name (default: the registry's default) with its settings from the flags. */
export function instrumentFromFlags(flags: InstrumentFlags): InstrumentSpec {
  const instrument = instrumentNamed(flags.instrument ?? DEFAULT_INSTRUMENT);
  return { instrument, settings: instrument.settings(settingFlags(flags, instrument.name)), format: formatSetting(flags) };
}

/**
 * Loads the instrument's dataset where it has one, from `--data` or the dataset cache, saying where it
 * came from unless `quiet`: the value its targets are read from (undefined for an instrument without
 * one). `withDataFlag` false: the command has no --data (targets), and the advice names none.
 */
export async function loadInstrumentData(instrument: AnyInstrument, flags: Pick<InstrumentFlags, 'data' | 'download'>, settings: Settings, quiet = false, withDataFlag = true): Promise<unknown> {
  if (!instrument.loadData) {
    // A flag the command does not use is an error, never ignored.
    if (flags.data !== undefined) throw new UserError(`--data is the instrument's dataset, and ${instrument.title} has none (it asks its own questions); leave it out`);
    return undefined;
  }
  const loaded = await instrument.loadData({ data: flags.data, download: flags.download ?? true, localFlag: withDataFlag ? '--data' : undefined }, settings);
  if (!quiet) process.stderr.write(`cultune: ${loaded.description}\n`);
  return loaded.data;
}
