import { Rng } from '../util/seeded-random.ts';

/**
 * Resamples per percentile interval. Efron & Tibshirani (An Introduction to the Bootstrap, 1993,
 * §19.3) find B = 1000 enough for percentile intervals (the 2.5 % and 97.5 % points need many more
 * draws than the 50-200 a standard error needs); `--bootstrap` raises it.
 */
export const DEFAULT_BOOTSTRAP_SAMPLES = 1000;

/** Linear interpolation between order statistics (numpy's default, Hyndman-Fan type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** NaN for no values: an empty group has no mean, not 0. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * The random stream of one interval: the project's seeded generator (src/util/seeded-random.ts) on the seed and
 * the interval's key, so adding or removing another interval never changes this one.
 */
export function streamFor(seed: string | number, key: string): () => number {
  const rng = Rng.fromSeed(`${seed}:${key}`);
  return () => rng.uniform();
}

/** The 2.5 % and 97.5 % points of bootstrap replicates: the percentile interval (Efron & Tibshirani 1993, §13.3). */
export function percentileInterval(replicates: number[]): [number, number] {
  const sorted = replicates.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return [Number.NaN, Number.NaN];
  return [quantile(sorted, 0.025), quantile(sorted, 0.975)];
}

/** n indices drawn uniformly with replacement: one bootstrap resample of n units. */
export function resampleIndices(n: number, random: () => number): number[] {
  return Array.from({ length: n }, () => Math.floor(random() * n));
}

/**
 * One stratified bootstrap resample (Efron & Tibshirani 1993, §6.4 on stratified sampling; Davison &
 * Hinkley, *Bootstrap Methods and their Application*, 1997, §3.2.2): each stratum's units drawn with
 * replacement from that stratum alone, as many as it holds, so every stratum keeps its size. `strata[i]`
 * names unit i's stratum; without strata all units are one stratum and the draw is `resampleIndices`'s,
 * random number for random number. Strata are drawn in the order they first appear.
 */
export function resampleWithin(n: number, strata: readonly string[] | undefined, random: () => number): number[] {
  if (!strata) return resampleIndices(n, random);
  if (strata.length !== n) throw new Error(`${strata.length} strata for ${n} units`);
  const groups = new Map<string, number[]>();
  strata.forEach((stratum, i) => groups.set(stratum, [...(groups.get(stratum) ?? []), i]));
  return [...groups.values()].flatMap((members) => resampleIndices(members.length, random).map((k) => members[k]));
}

/**
 * Percentile bootstrap 95 % interval of any statistic of units (questions, respondents): resample the
 * units with replacement `samples` times (within their strata where given) and recompute. `random` is
 * injectable so a test can check the computation by hand.
 */
export function bootstrapStatistic<U>(units: readonly U[], statistic: (sample: readonly U[]) => number, samples: number, random: () => number, strata?: readonly string[]): [number, number] {
  if (units.length === 0) return [Number.NaN, Number.NaN];
  const replicates: number[] = [];
  for (let s = 0; s < samples; s += 1) replicates.push(statistic(resampleWithin(units.length, strata, random).map((i) => units[i])));
  return percentileInterval(replicates);
}

/** Percentile bootstrap 95 % interval of the mean of per-unit values. */
export function bootstrapInterval(values: readonly number[], samples: number, random: () => number): [number, number] {
  return bootstrapStatistic(values, mean, samples, random);
}

export interface Estimate {
  value: number;
  ci95: [number, number];
}

/** Mean with a bootstrap interval whose random stream depends only on the seed and the group's key. */
export function estimate(values: readonly number[], seed: string | number, key: string, samples = DEFAULT_BOOTSTRAP_SAMPLES): Estimate {
  return { value: mean(values), ci95: bootstrapInterval(values, samples, streamFor(seed, key)) };
}
