/** The two distances between answer distributions that GlobalOpinionQA's metrics use (metric.ts). */

function normalised(p: readonly number[]): number[] {
  const total = p.reduce((s, v) => s + v, 0);
  return p.map((v) => v / total);
}

/** Wasserstein-1 distance between two distributions over positions 0..n-1, divided by n - 1 (so in [0, 1]). */
export function wassersteinOrdinal(p: readonly number[], q: readonly number[]): number {
  const [a, b] = [normalised(p), normalised(q)];
  let cdf = 0;
  let distance = 0;
  for (let i = 0; i < a.length - 1; i++) {
    cdf += a[i] - b[i];
    distance += Math.abs(cdf);
  }
  return a.length > 1 ? distance / (a.length - 1) : 0;
}

/** Jensen-Shannon distance (the square root of the divergence), base 2, in [0, 1]. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const [a, b] = [normalised(p), normalised(q)];
  const kl = (x: number[], m: number[]) => x.reduce((s, v, i) => (v > 0 ? s + v * Math.log2(v / m[i]) : s), 0);
  const m = a.map((v, i) => (v + b[i]) / 2);
  return Math.sqrt(Math.max(0, (kl(a, m) + kl(b, m)) / 2));
}
