import path from 'node:path';
import type { SoftPromptConfig } from '../embedding/index.ts';
import type { LoadedModel } from '../model/index.ts';
import { CLASSIFY, DEFAULT_HOLDOUT, DEFAULT_INSTRUMENT, drawHoldout, personaSentence, storedInstrument, type InstrumentSpec } from '../instruments/index.ts';
import { explainMissing, type Target, type TargetAdvice, type TargetRequest } from '../targets/index.ts';
import { UserError } from '../util/errors.ts';
import { datasetCountries, resolveCountry, splitCountry, type CulturalBenchData } from '../culturalbench/index.ts';
import type { FrontObjectives, RunDefinition, RunInfo } from './run-files.ts';
import { resolveInitText } from './init-text.ts';
import { resolveSearch, type SearchRequest } from './search-space.ts';

/** What a new run asks for, before a model is loaded. */
export interface RunRequest {
  instrument: InstrumentSpec;
  /** The soft prompt's record without its init text, which comes from the target. */
  softPrompt: Omit<SoftPromptConfig, 'initText'>;
  /** --init-text: the TEXT init's text, `{country}` standing for the country (default: the persona sentence). */
  initTemplate?: string;
  search: SearchRequest;
  /** --holdout: the fraction of the instrument held out from training (split.ts); 0, no split; absent, the default where the instrument says what a split divides, else none. */
  holdout?: number;
}

/**
 * The target of a run from the instrument's reference, checked before any model is loaded: a partial
 * one (some named values missing) needs `allowPartial`.
 */
export function trainingTarget(spec: Pick<InstrumentSpec, 'instrument' | 'data'>, request: TargetRequest, allowPartial: boolean, flags: TargetAdvice = { commandLine: true }): Target {
  const target = spec.instrument.target(request, spec.data);
  const { table } = spec.instrument;
  if (!table || target.missing.length === 0) return target;
  const explained = explainMissing(target, table, flags).map((line) => line.trim()).join(' ');
  // With no value at all there is nothing to train on: --allow-partial-target would not help.
  if (target.missing.length === table.naming.names.length) throw new UserError(explained);
  if (!allowPartial) throw new UserError(`${explained} (or pass --allow-partial-target to train on the values present)`);
  return target;
}

function countryCode(target: Target): string | undefined {
  return target.country.iso2 ?? target.country.code;
}

/** `<country>-s<seed>`, with the instrument's name after the country unless it is the default: the run folder name. */
export function runFolderName(target: Target, seed: number, instrumentName?: string): string {
  const country = (countryCode(target) ?? target.country.name).replace(/[^A-Za-z0-9_-]+/g, '_');
  return instrumentName === undefined ? `${country}-s${seed}` : `${country}-${instrumentName}-s${seed}`;
}

/** What a run folder's name says between country and seed: the instrument unless the default, the format unless classify ("iw-map-cot"). */
export function runLabel(spec: InstrumentSpec): string | undefined {
  const parts = [spec.instrument.name === DEFAULT_INSTRUMENT ? '' : spec.instrument.name, (spec.format ?? CLASSIFY).name === CLASSIFY.name ? '' : spec.format!.name];
  return parts.filter(Boolean).join('-') || undefined;
}

/** What defines a new run, known before a model is loaded: run.json without the model and version; the held-out split is seeded by the run's seed. */
export function runDefinition(query: string, target: Target, request: RunRequest): RunDefinition {
  const place = target.country.personaName;
  const holdout = drawHoldout(request.instrument, target, request.holdout ?? (request.instrument.instrument.holdout ? DEFAULT_HOLDOUT : 0), String(request.search.seed));
  const initText = request.softPrompt.init !== 'text' ? undefined : request.initTemplate === undefined ? personaSentence(place) : resolveInitText(request.initTemplate, place);
  return {
    country: { query, name: target.country.name, code: countryCode(target) },
    instrument: storedInstrument(request.instrument),
    target,
    softPrompt: { ...request.softPrompt, ...(initText === undefined ? {} : { initText }) },
    search: request.search,
    ...(holdout && { holdout }),
  };
}

/** What run.json records for a new run: its definition, and the model it trains on (folder, graph hash, width, compute precision). */
export function newRunInfo(definition: RunDefinition, model: Pick<LoadedModel, 'folder' | 'origin' | 'sourceHash' | 'hidden' | 'precision'>, version: string): RunInfo {
  const dir = path.resolve(model.folder.dir);
  return {
    cultune: version,
    ...definition,
    search: resolveSearch(definition.search, definition.softPrompt.k, model.hidden),
    model: {
      dir,
      graphFile: path.relative(dir, path.resolve(model.folder.graphPath)),
      sourceHash: model.sourceHash,
      hidden: model.hidden,
      dtype: model.precision,
      ...(model.origin && { hubId: model.origin.repoId, revision: model.origin.commit }),
    },
  };
}

/** The names `--objectives` takes besides an instrument's. */
export const CULTURALBENCH_OBJECTIVE = 'culturalbench';

/**
 * The objectives of a multi-objective run from `--objectives`: one instrument and `culturalbench`, in
 * either order (the run records the instrument first). Returns the instrument's name.
 */
export function parseObjectives(list: string, instrumentNames: readonly string[]): string {
  const names = list.split(',').map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0);
  const instrumentsGiven = names.filter((n) => n !== CULTURALBENCH_OBJECTIVE);
  const unknown = instrumentsGiven.filter((n) => !instrumentNames.includes(n));
  if (unknown.length > 0) throw new UserError(`unknown objective "${unknown[0]}"; objectives are ${[...instrumentNames, CULTURALBENCH_OBJECTIVE].join(', ')}`);
  if (names.length !== 2 || instrumentsGiven.length !== 1) {
    throw new UserError(`--objectives takes one instrument and culturalbench (e.g. ${instrumentNames[0]},${CULTURALBENCH_OBJECTIVE}), got "${list}"`);
  }
  return instrumentsGiven[0];
}

/** A multi-objective run's record: the country's CulturalBench questions split 50/50 by id, seeded by the run's seed. */
export function frontObjectives(instrumentName: string, data: CulturalBenchData, countryName: string, seed: number): FrontObjectives {
  const country = resolveCountry(countryName, datasetCountries(data));
  const easy = data.files.find((f) => f.kind === 'easy');
  if (!easy) throw new UserError('the CulturalBench data has no Easy file');
  return { names: [instrumentName, CULTURALBENCH_OBJECTIVE], split: splitCountry(data.easy, country, String(seed)), easySha256: easy.sha256 };
}
