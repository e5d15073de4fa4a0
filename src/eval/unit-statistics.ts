import { instrumentFromStored, type InstrumentResult, type NamedScores, type ScoreUnit, type StoredInstrument } from '../instruments/index.ts';
import { bootstrapStatistic, streamFor } from '../stats/bootstrap.ts';
import type { Interval } from './eval-record.ts';

/**
 * The instrument's score with percentile bootstrap intervals over its units (questions or respondents,
 * as `unit` says), in an eval record beside the per-unit values (result.units) they come from.
 */
export interface InstrumentIntervals {
  unit: string;
  units: number;
  /** Resamples drawn, and the seed of their stream (the same as CulturalBench's). */
  samples: number;
  seed: string;
  /** The loss over the target; null bounds with fewer than 2 units (one unit has no spread to resample). */
  loss: Interval;
  /** Each named score ("PDI", "PC1", "similarity"). */
  scores: Record<string, Interval>;
}

/**
 * Each score averaged with the weights of the units that carry it: what the instrument's named scores
 * are (types.ts, ScoreBreakdown). Where every unit carries every score this is the plain weighted mean;
 * a MultiTP dilemma carries its own dimension's preference only.
 */
export function weightedScores(units: readonly ScoreUnit[]): NamedScores {
  const sums = new Map<string, { total: number; weight: number }>();
  for (const unit of units) {
    for (const [name, value] of Object.entries(unit.scores)) {
      const sum = sums.get(name) ?? { total: 0, weight: 0 };
      sums.set(name, { total: sum.total + unit.weight * value, weight: sum.weight + unit.weight });
    }
  }
  return Object.fromEntries([...sums].map(([name, { total, weight }]) => [name, total / weight]));
}

/** The units' strata for a stratified resample, or undefined where none has one (one group). */
export function unitStrata(units: readonly ScoreUnit[]): string[] | undefined {
  return units.some((u) => u.stratum !== undefined) ? units.map((u) => u.stratum ?? '') : undefined;
}

/** The loss of a sample of units under the stored instrument's settings against the target's named values; absent without a breakdown. */
export function unitLoss(stored: StoredInstrument, target: NamedScores): ((sample: readonly ScoreUnit[]) => number) | undefined {
  const spec = instrumentFromStored(stored);
  const { breakdown } = spec.instrument;
  return breakdown && ((sample) => breakdown.loss(weightedScores(sample), target, spec.settings));
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The result's loss and scores with bootstrap intervals over its units; undefined where the result has no units. */
export function instrumentIntervals(stored: StoredInstrument, result: InstrumentResult, seed: string, samples: number): InstrumentIntervals | undefined {
  const lossOf = unitLoss(stored, result.target);
  const units = result.units;
  if (!lossOf || !units) return undefined;
  const spread = units.values.length >= 2;
  const interval = (value: number, statistic: (sample: readonly ScoreUnit[]) => number, key: string): Interval => {
    if (!spread) return { value: finite(value), ci95: [null, null] };
    const [low, high] = bootstrapStatistic(units.values, statistic, samples, streamFor(seed, `${result.instrument}:${key}`), unitStrata(units.values));
    return { value: finite(value), ci95: [finite(low), finite(high)] };
  };
  return {
    unit: units.unit,
    units: units.values.length,
    samples,
    seed,
    loss: interval(result.loss.value, lossOf, 'loss'),
    scores: Object.fromEntries(Object.entries(result.scores).map(([name, value]) => [name, interval(value, (sample) => weightedScores(sample)[name], name)])),
  };
}
