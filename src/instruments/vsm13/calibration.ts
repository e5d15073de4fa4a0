import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Scorer } from '../../model/types.ts';
import { DIMENSIONS, HOFSTEDE_TABLE, resolveTarget, targetValues, type DimensionScores, type Target, type TargetCountry } from '../../targets/index.ts';
import { writeJsonAtomic } from '../../util/atomic.ts';
import type { Settings } from '../../util/settings.ts';
import { UserError } from '../../util/errors.ts';
import { personaConditioning, type Conditioning } from '../conditioning.ts';
import { formatSetting } from '../formats.ts';
import { prepareInstrument, type InstrumentSpec } from '../objective.ts';
import type { ByAnswerMode } from '../survey/index.ts';
import { anchoredConstants, isFitted, zeroConstants, type AnchorCountry, type IndexConstants } from './constants.ts';
import { VSM13, constantsValues, type Vsm13Scores, type Vsm13Settings } from './vsm13-instrument.ts';

/**
 * Anchored constants C, fitted as the VSM 2013 Manual (Hofstede & Minkov 2013) anchors new data to the
 * published scores: C_d = mean(published_d) − mean(model's raw d) over a panel of anchor countries.
 * The model's raw indices for an anchor come from asking it every question with that country's persona
 * sentence; the country being trained is left out, or its own target would leak into C.
 *
 * One anchor's raw indices depend only on the model, its compute precision, the format, the chat
 * template and the questions asked (items, respondent variants, persona sentence), so they are cached per
 * anchor under that key: a sweep over many countries, or an eval after train, scores each anchor once,
 * and any panel or left-out country is a mean over cached anchors.
 */

/** Bumped whenever what a cache entry holds, or how it is computed, changes. */
const CALIBRATION_VERSION = 1;

/** The model as calibration needs it: a scorer with the identity of its weights and precision. */
export interface CalibrationModel extends Scorer {
  readonly sourceHash: string;
  readonly precision?: string;
}

export interface CalibrationOptions {
  /** Where the per-anchor raw indices are cached: calibrationCacheDir(settings), <cache root>/vsm13-calibration. */
  cacheDir: string;
  /** Where the one line naming the fitted C goes. */
  say?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
}

/** One cache entry: the raw (C = 0) indices of the model for one anchor, both answer readings. */
interface CachedAnchor {
  version: number;
  anchor: string;
  rawIndices: ByAnswerMode<DimensionScores>;
}

export function calibrationCacheDir(settings: Pick<Settings, 'cacheRoot'>): string {
  return path.join(settings.cacheRoot, 'vsm13-calibration');
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

function isScores(value: unknown): value is DimensionScores {
  return typeof value === 'object' && value !== null && DIMENSIONS.every((d) => Number.isFinite((value as Record<string, unknown>)[d]));
}

/** The cached raw indices, or undefined when absent or damaged (then they are computed again and rewritten). */
function readCached(file: string): ByAnswerMode<DimensionScores> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CachedAnchor>;
    const raw = entry.rawIndices;
    return entry.version === CALIBRATION_VERSION && raw && isScores(raw.expected) && isScores(raw.argmax) ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** The anchors of a panel as targets of the Hofstede table, each named once. */
function panelTargets(panel: readonly string[]): Target[] {
  const targets = panel.map((country) => resolveTarget(HOFSTEDE_TABLE, { country }));
  const names = targets.map((t) => t.country.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new UserError(`--constants anchored: ${repeated} is named twice in the panel`);
  return targets;
}

/** An anchor asked as the persona baseline asks: its sentence at the start of the user turn. */
function personaOf(anchor: Target): Conditioning {
  return personaConditioning(anchor.country.personaName);
}

/**
 * The spec with VSM 2013's anchored constants fitted to the model; any other spec (another instrument,
 * constants with values, a run's stored fit) comes back unchanged, so every command can call it once
 * the model is loaded. `trained` is the country being trained or evaluated: left out of the fit.
 */
export async function calibratedSpec(model: CalibrationModel, spec: InstrumentSpec, trained: TargetCountry | undefined, options: CalibrationOptions): Promise<InstrumentSpec> {
  if (spec.instrument.name !== VSM13.name) return spec;
  const settings = spec.settings as Vsm13Settings;
  if (isFitted(settings.constants)) return spec;
  const { panel } = settings.constants;
  const all = panelTargets(panel);
  const anchors = all.filter((t) => t.country.name !== trained?.name);
  if (anchors.length < 2) throw new UserError(`--constants anchored:${panel.join(',')} leaves fewer than two anchor countries besides ${trained?.name}; name more countries`);
  const { cacheDir } = options;
  // The raw indices: C = 0, so no constants enter the readings C is fitted from.
  const rawSpec: InstrumentSpec = { ...spec, settings: { ...settings, constants: zeroConstants() } };
  // The key is read before anything is tokenised (tokenising costs more than scoring on a small model):
  // the questions as written, the persona, the format, and the chat template as it renders a probe turn.
  const template = model.tokenizer.applyChatTemplate([{ role: 'user', content: '?' }], { addGenerationPrompt: true });
  const format = formatSetting({}, spec.format);
  const asked = anchors.map((anchor) => ({ anchor, conditioning: personaOf(anchor), questions: VSM13.questions(rawSpec.settings as Vsm13Settings, anchor) }));
  const total = asked.reduce((sum, a) => sum + a.questions.length, 0);
  let done = 0;
  const measured: AnchorCountry[] = [];
  for (const { anchor, conditioning, questions } of asked) {
    const key = sha256(JSON.stringify({ version: CALIBRATION_VERSION, model: model.sourceHash, precision: model.precision ?? null, format, template, conditioning, questions }));
    const file = path.join(cacheDir, `${key}.json`);
    let raw = readCached(file);
    if (!raw) {
      const prepared = prepareInstrument(model.tokenizer, rawSpec, anchor, conditioning);
      const offset = done;
      const [logprobs] = await prepared.logprobs(model, [undefined], { onProgress: (d) => options.onProgress?.(offset + d, total) });
      raw = (prepared.read(logprobs).details as Vsm13Scores).rawIndices;
      const entry: CachedAnchor = { version: CALIBRATION_VERSION, anchor: anchor.country.name, rawIndices: raw };
      writeJsonAtomic(file, entry);
    }
    done += questions.length;
    options.onProgress?.(done, total);
    measured.push({ country: anchor.country.name, rawIndices: raw[settings.answer], published: targetValues(anchor) });
  }
  const leftOut = all.length > anchors.length ? (trained?.name ?? null) : null;
  const constants: IndexConstants = {
    ...anchoredConstants(measured),
    calibration: { panel: [...panel], anchors: anchors.map((a) => a.country.name), leftOut, condition: 'persona' },
  };
  options.say?.(`${VSM13.title} constants C (anchored on ${anchors.length} countries, persona condition${leftOut ? `, leaving out ${leftOut}` : ''}): ${constantsValues(constants)}`);
  return { ...spec, settings: { ...settings, constants } };
}
