import seedrandom from 'seedrandom';

export const DEFAULT_BOOTSTRAP_SAMPLES = 1000;

/** Linear interpolation between order statistics (numpy's default, Hyndman-Fan type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** NaN for no values: an empty group has no accuracy, not 0 %. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * Percentile bootstrap 95 % interval of the mean: resample the per-question values with replacement
 * `samples` times. `random` is injectable so a test can check the computation by hand.
 */
export function bootstrapInterval(
  values: readonly number[],
  samples: number,
  random: () => number,
): [number, number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  const means: number[] = [];
  for (let s = 0; s < samples; s += 1) {
    let sum = 0;
    for (let i = 0; i < values.length; i += 1) sum += values[Math.floor(random() * values.length)];
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  return [quantile(means, 0.025), quantile(means, 0.975)];
}

export interface Estimate {
  value: number;
  ci95: [number, number];
}

/**
 * Mean with a bootstrap interval whose random stream depends only on the seed and the group's key,
 * so adding or removing another group never changes this one's interval.
 */
export function estimate(values: readonly number[], seed: string | number, key: string, samples = DEFAULT_BOOTSTRAP_SAMPLES): Estimate {
  return { value: mean(values), ci95: bootstrapInterval(values, samples, seedrandom(`${seed}:${key}`)) };
}
