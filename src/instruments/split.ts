import type { Target } from '../targets/index.ts';
import { UserError } from '../util/errors.ts';
import { seededSplit } from '../util/seeded-split.ts';
import type { InstrumentSpec } from './objective.ts';
import { respondentIds } from './survey/index.ts';
import type { SurveyQuestion } from './types.ts';

/**
 * A run's held-out split of its instrument, stored in run.json as CulturalBench's question split is:
 * training asks the `train` part only, and eval reports the `heldOut` part apart from the in-sample
 * one. Grouped hold-out (Roberts et al. 2017, "Cross-validation strategies for data with temporal,
 * spatial, hierarchical, or phylogenetic structure", Ecography 40:913–929): every question of one
 * unit falls on one side, so nothing the search fitted reappears on the held-out side.
 */
export interface HoldoutSplit {
  /**
   * What a unit is. `question`: one of the instrument's items (GlobalOpinionQA: the index of a
   * question in the run's stored target), asked of every respondent variant. `respondent`: one
   * respondent profile ("p1".."p12", respondents.json), asked every item in all its phrasings and
   * both option orders.
   */
  by: 'question' | 'respondent';
  /** The fraction asked for (--holdout); the held-out part is round(fraction × units), at least one unit, leaving one. */
  fraction: number;
  /** The run's seed: with the instrument and the country it keys the shuffle. */
  seed: string;
  /** Unit ids in the instrument's order. */
  train: string[];
  heldOut: string[];
}

export type SplitSide = 'train' | 'heldOut';

/** The side of a stored split an evaluation asks. */
export interface SplitPart {
  split: HoldoutSplit;
  side: SplitSide;
}

/** --holdout's default: 30 % of the units held out, 70 % to train on. */
export const DEFAULT_HOLDOUT = 0.3;

/** How lines name a side. */
export const SIDE_NAMES: Record<SplitSide, string> = { train: 'training (in-sample)', heldOut: 'held-out' };

/** Every unit an instrument can be split into under its settings, in its own order. */
function unitsOf(spec: InstrumentSpec, target: Target): string[] {
  const unit = spec.instrument.holdout;
  if (!unit) throw new UserError(`${spec.instrument.title} does not say what a held-out split divides: leave out --holdout, or pass --holdout 0`);
  if (unit.by === 'respondent') return respondentIds();
  return [...new Set(spec.instrument.questions(spec.settings, target).map((q: SurveyQuestion) => q.itemId))];
}

/**
 * The settings and questions of one side: a question split keeps the settings and asks the side's
 * items; a respondent split asks every item of the side's respondents, the variants drawn from them
 * as from the whole sequence (order pairs and phrasings balanced alike on both sides).
 */
export function askedOn(spec: InstrumentSpec, target: Target | undefined, part: SplitPart): { settings: object; questions: SurveyQuestion[] } {
  const { instrument } = spec;
  const units = part.split[part.side];
  if (part.split.by === 'question') {
    const asked = new Set(units);
    const questions = instrument.questions(spec.settings, target).filter((q: SurveyQuestion) => asked.has(q.itemId));
    if (questions.length === 0) throw new UserError(`the ${SIDE_NAMES[part.side]} part of the run's split asks no ${instrument.title} question under these settings (--questions keeps fewer)`);
    return { settings: spec.settings, questions };
  }
  const unit = instrument.holdout;
  const variants = (spec.settings as { variants?: number }).variants ?? 1;
  const most = units.length * (unit?.by === 'respondent' ? unit.variantsPerRespondent : 1);
  if (variants > most) {
    throw new UserError(`--variants ${variants}: the ${SIDE_NAMES[part.side]} part of the run's split has ${units.length} respondent(s), ${most} ${instrument.title} variants at most; lower --variants (or train with another --holdout)`);
  }
  const settings = { ...spec.settings, respondents: units };
  return { settings, questions: instrument.questions(settings, target) };
}

/** How many of n units are held out: round(fraction × n), at least one and leaving one where n ≥ 2. */
function heldOutCount(fraction: number, n: number): number {
  return n < 2 ? Math.round(fraction * n) : Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

/**
 * Stratified hold-out (the stratified split of Kohavi 1995, "A study of cross-validation and bootstrap
 * for accuracy estimation and model selection", IJCAI): each stratum's units are split apart, with
 * their own count and a shuffle keyed by the stratum too, and both sides keep the instrument's order.
 */
function stratifiedSplit(units: readonly string[], stratumOf: (id: string) => string, fraction: number, key: string): { train: string[]; heldOut: string[] } {
  const strata = new Map<string, string[]>();
  for (const id of units) strata.set(stratumOf(id), [...(strata.get(stratumOf(id)) ?? []), id]);
  const training = new Set([...strata].flatMap(([stratum, members]) => seededSplit(members, `${key}:${stratum}`, members.length - heldOutCount(fraction, members.length)).train));
  return { train: units.filter((id) => training.has(id)), heldOut: units.filter((id) => !training.has(id)) };
}

/**
 * The split a new run stores, or undefined for --holdout 0. The units in the instrument's order are
 * shuffled by the seeded split keyed by instrument, seed and country; round(fraction × n) of them
 * (at least 1, at most n - 1) are held out. Where the instrument names strata (MultiTP's dimensions),
 * that is done per stratum instead. Both sides are checked against the settings here, before any
 * model is loaded.
 */
export function drawHoldout(spec: InstrumentSpec, target: Target, fraction: number, seed: string): HoldoutSplit | undefined {
  if (fraction === 0) return undefined;
  const units = unitsOf(spec, target);
  const unit = spec.instrument.holdout!;
  const { by } = unit;
  if (units.length < 2) throw new UserError(`${spec.instrument.title} has ${units.length} ${by}(s) to split: too few to hold any out; pass --holdout 0`);
  const key = `holdout:${spec.instrument.name}:${seed}:${target.country.name}`;
  const { train, heldOut } =
    unit.by === 'question' && unit.stratumOf
      ? stratifiedSplit(units, unit.stratumOf, fraction, key)
      : seededSplit(units, key, units.length - heldOutCount(fraction, units.length));
  if (train.length === 0 || heldOut.length === 0) {
    // Only a stratified split gets here: every stratum of one unit fell on the same side (MultiTP with --dilemmas 1).
    const flags = spec.instrument.options.map((o) => o.flags.split(' ')[0]).join(' or ');
    throw new UserError(`${spec.instrument.title} has one ${by} per group under these settings, too few to hold part of each out: raise ${flags}, or pass --holdout 0`);
  }
  const split: HoldoutSplit = { by, fraction, seed, train, heldOut };
  for (const side of ['train', 'heldOut'] as const) askedOn(spec, target, { split, side });
  return split;
}

/** One line on what a run's figures are on: "held-out: 7 of 24 respondents (--holdout 0.3, seed 1)", or no split. */
export function describeSplit(split: HoldoutSplit | undefined): string {
  if (!split) return 'no split: all in-sample';
  const total = split.train.length + split.heldOut.length;
  return `held-out ${split.heldOut.length} of ${total} ${split.by}s (--holdout ${split.fraction}, seed ${split.seed})`;
}
