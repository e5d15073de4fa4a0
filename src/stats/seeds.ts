/** A result over several seeds: mean and sample standard deviation (n - 1; null for one seed). */
export interface SeedSummary {
  mean: number;
  sd: number | null;
  n: number;
}

/** Mean ± sample sd of one number per seed: the spread a rerun with another seed would show. */
export function summariseSeeds(values: readonly number[]): SeedSummary {
  if (values.length === 0) throw new Error('no seeds to summarise');
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n < 2 ? null : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}
