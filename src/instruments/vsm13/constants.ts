import { existsSync } from 'node:fs';
import { UserError, describeError } from '../../util/errors.ts';
import { readTextFile } from '../../util/text-file.ts';
import { DIMENSIONS, mapDimensions, parseAssignments, parseDimension, scoreValueProblem, type Dimension, type DimensionScores, type PartialScores } from '../../targets/index.ts';

/**
 * The constants C added to each raw index. The VSM 2013 Manual leaves them to the researcher, so the
 * choice is recorded next to the values: reports and resumed runs must know which scale they are on.
 */
export interface IndexConstants {
  kind: 'zero' | 'anchored' | 'explicit';
  values: DimensionScores;
  /** For anchored constants: the countries each dimension's C was fitted on. */
  anchoredOn?: Partial<Record<Dimension, string[]>>;
  /** For anchored constants fitted by cultune (calibration.ts): how they were fitted. */
  calibration?: AnchorCalibration;
}

/** How cultune fitted anchored constants: on which panel, leaving out which country, under which condition. */
export interface AnchorCalibration {
  /** The panel as asked (country names or codes, as `--constants anchored:...` gave them). */
  panel: string[];
  /** The countries C was fitted on: the panel without the left-out country. */
  anchors: string[];
  /** The trained country, when it is in the panel and so left out of the fit (its own target would leak into C); else null. */
  leftOut: string | null;
  /** The model's raw indices for each anchor come from asking it with that anchor's persona sentence. */
  condition: 'persona';
}

/** Anchored constants as asked, before the model is loaded: the values are fitted once it is (calibration.ts). */
export interface AnchoredRequest {
  kind: 'anchored';
  panel: string[];
}

/** What `--constants` sets: constants with values, or anchored ones still to be fitted. */
export type ConstantsSetting = IndexConstants | AnchoredRequest;

/**
 * The default anchor panel: ten countries with all six dimensions in the Hofstede table, one or two
 * from each major cultural zone of the Inglehart-Welzel map (English-speaking, Protestant and Orthodox
 * Europe, Latin America, African-Islamic, South Asia, Confucian), so their mean sits near the middle of
 * every published dimension rather than on one culture's side of it.
 */
export const DEFAULT_ANCHOR_PANEL: readonly string[] = ['US', 'DE', 'SE', 'RU', 'BR', 'TR', 'MA', 'IN', 'CN', 'JP'];

export function anchoredRequest(panel: readonly string[] = DEFAULT_ANCHOR_PANEL): AnchoredRequest {
  return { kind: 'anchored', panel: [...panel] };
}

/** True once the constants have values (anchored ones after calibration). */
export function isFitted(constants: ConstantsSetting): constants is IndexConstants {
  return 'values' in constants;
}

/**
 * The constants as a run is defined by them: fitted anchored constants compare by their panel, as
 * asked, since their values come from the model (a resumed run asks `anchored` again, not the values).
 */
export function askedConstants(constants: ConstantsSetting): ConstantsSetting {
  return isFitted(constants) && constants.calibration ? anchoredRequest(constants.calibration.panel) : constants;
}

export function zeroConstants(): IndexConstants {
  return { kind: 'zero', values: mapDimensions(() => 0) };
}

/** Explicit constants; dimensions not given are 0. */
export function explicitConstants(values: PartialScores): IndexConstants {
  return { kind: 'explicit', values: mapDimensions((d) => values[d] ?? 0) };
}

/** The model's raw (C = 0) indices for one country, next to that country's published scores. */
export interface AnchorCountry {
  country: string;
  rawIndices: DimensionScores;
  published: PartialScores;
}

/**
 * C per dimension such that the model's scores over the anchor countries have the same mean as their
 * published scores: C_d = mean(published_d) - mean(raw_d) over the countries that have a published d.
 * C shifts every country alike, so it changes the loss but never the rank agreement. Anchoring on the
 * single country being tuned makes that country's baseline loss zero by construction: anchor on a set.
 */
export function anchoredConstants(countries: readonly AnchorCountry[]): IndexConstants {
  const anchoredOn: Partial<Record<Dimension, string[]>> = {};
  const values = mapDimensions((d) => {
    const withTarget = countries.filter((c) => c.published[d] !== undefined);
    if (withTarget.length === 0) {
      throw new UserError(`cannot anchor ${d}: none of the anchor countries (${countries.map((c) => c.country).join(', ')}) has a published ${d}`);
    }
    anchoredOn[d] = withTarget.map((c) => c.country);
    const mean = (f: (c: AnchorCountry) => number) => withTarget.reduce((s, c) => s + f(c), 0) / withTarget.length;
    return mean((c) => c.published[d] as number) - mean((c) => c.rawIndices[d]);
  });
  return { kind: 'anchored', values, anchoredOn };
}

/** Reads `PDI=10,IDV=-5` (any subset of the six dimensions); `what` names the flag in errors. */
export function parseDimensionAssignments(text: string, what: string): PartialScores {
  return parseAssignments(text, what, { names: DIMENSIONS, parse: parseDimension }) as PartialScores;
}

/** Reads constants stored by a run (`{kind, values, anchoredOn?}`) or written by hand (`{"PDI": 10, ...}`). */
export function constantsFromJson(value: unknown, where: string): IndexConstants {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) throw new UserError(`${where}: constants must be a JSON object`);
  const stored = isObject(value.values);
  const rawValues = stored ? (value.values as Record<string, unknown>) : value;
  const values: PartialScores = {};
  for (const [key, v] of Object.entries(rawValues)) {
    const dimension = parseDimension(key);
    if (!dimension) throw new UserError(`${where}: "${key}" is not one of ${DIMENSIONS.join(', ')}`);
    if (typeof v !== 'number') throw new UserError(`${where}: ${dimension} is not a number`);
    // JSON.parse reads an overflowing 1e309 as Infinity; 1e308 is finite but overflows the loss.
    const problem = scoreValueProblem(dimension, v);
    if (problem) throw new UserError(`${where}: ${problem}`);
    values[dimension] = v;
  }
  const kind = stored && (value.kind === 'zero' || value.kind === 'anchored') ? value.kind : 'explicit';
  const anchoredOn = stored && isObject(value.anchoredOn) ? (value.anchoredOn as IndexConstants['anchoredOn']) : undefined;
  const calibration = stored && isObject(value.calibration) ? (value.calibration as unknown as AnchorCalibration) : undefined;
  return { kind, values: mapDimensions((d) => values[d] ?? 0), ...(anchoredOn ? { anchoredOn } : {}), ...(calibration ? { calibration } : {}) };
}

/** `anchored` (the default panel) or `anchored:US,JP,...` (a panel of your own); undefined for any other value. */
function anchoredFromFlag(value: string): AnchoredRequest | undefined {
  if (value === 'anchored') return anchoredRequest();
  if (!value.startsWith('anchored:')) return undefined;
  const panel = value.slice('anchored:'.length).split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (panel.length < 2) throw new UserError(`--constants ${value}: name at least two anchor countries, e.g. anchored:US,DE,JP (or anchored for the default panel)`);
  return anchoredRequest(panel);
}

/**
 * `--constants`: `anchored` (default panel) or `anchored:A,B,...`, `zero`, `PDI=10,IDV=-5,...` (others 0),
 * or a JSON file such as the constants a run stored.
 */
export function constantsFromFlag(value: string): ConstantsSetting {
  if (value === 'zero') return zeroConstants();
  const anchored = anchoredFromFlag(value);
  if (anchored) return anchored;
  if (value.includes('=')) return explicitConstants(parseDimensionAssignments(value, '--constants'));
  if (!existsSync(value)) throw new UserError(`--constants: "${value}" is neither anchored, zero, DIM=NUMBER pairs nor an existing JSON file`);
  const text = readTextFile(value);
  try {
    return constantsFromJson(JSON.parse(text), value);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${value}: not valid JSON (${describeError(error).replace(/\s+/g, ' ')})`);
  }
}
