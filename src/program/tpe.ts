import type { Rng } from '../util/seeded-random.ts';

/**
 * A categorical, multivariate Tree-structured Parzen Estimator (Bergstra et al. 2011; Falkner et al.
 * 2018 for the multivariate form) with Optuna's documented defaults, as MIPROv2 calls it
 * (`optuna.samplers.TPESampler(seed, multivariate=True)`): 10 start-up trials drawn at random; then the
 * completed trials sorted by value, the best gamma(n) = min(ceil(0.1 n), 25) "below" and the rest
 * "above"; each side a mixture of one kernel per trial plus a uniform prior kernel (prior weight 1); 24
 * candidates drawn from the below mixture; the one maximising log l(x) - log g(x) is suggested. No npm
 * package implements TPE for categorical spaces, so it is written here; the random streams are
 * cultune's seeded generator, not numpy's, so suggestions match Optuna's in law, not draw for draw.
 */
export const TPE_DEFAULTS = { startupTrials: 10, eiCandidates: 24, priorWeight: 1 } as const;

/** A point of the search space: one choice index per parameter. */
export type Params = readonly number[];

/** A completed trial: where it was and its value (lower is better: MIPROv2 maximises a score, cultune minimises a loss). */
export interface CompletedTrial {
  params: Params;
  value: number;
}

/** Optuna's default_gamma: how many of n trials form the "below" (good) group. */
export function gammaOf(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Optuna's default_weights: equal weights below 25 observations; above, the oldest n - 25 ramp from 1/n up to 1. */
export function observationWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/** One side's Parzen estimator: mixture weights over its kernels and, per kernel and parameter, the choice probabilities. */
export interface ParzenEstimator {
  /** Normalised; the last kernel is the prior. */
  mixture: number[];
  /** kernels[k][p][choice] */
  kernels: number[][][];
}

/**
 * Optuna's categorical Parzen estimator: for each observation a kernel putting prior/(m+1) on every
 * choice and 1 more on the observed one, normalised (m observations); a last, uniform prior kernel;
 * mixture weights `observationWeights(m)` with the prior's weight appended, normalised.
 */
export function parzenEstimator(observations: readonly Params[], sizes: readonly number[], priorWeight: number = TPE_DEFAULTS.priorWeight): ParzenEstimator {
  const m = observations.length;
  const fill = priorWeight / (m + 1);
  const kernels = observations.map((params) =>
    sizes.map((size, p) => {
      const row = new Array<number>(size).fill(fill);
      row[params[p]] += 1;
      const sum = fill * size + 1;
      return row.map((w) => w / sum);
    }),
  );
  kernels.push(sizes.map((size) => new Array<number>(size).fill(1 / size)));
  const raw = [...observationWeights(m), priorWeight];
  const total = raw.reduce((a, b) => a + b, 0);
  return { mixture: raw.map((w) => w / total), kernels };
}

/** log of the mixture's probability of `params`: log sum_k w_k prod_p kernel_k,p[params_p]. */
export function logDensity(estimator: ParzenEstimator, params: Params): number {
  const terms = estimator.kernels.map((kernel, k) => Math.log(estimator.mixture[k]) + kernel.reduce((sum, row, p) => sum + Math.log(row[params[p]]), 0));
  const top = Math.max(...terms);
  return top + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - top), 0));
}

/** Index drawn with probability proportional to `weights` (which sum to 1). */
function drawIndex(weights: readonly number[], rng: Rng): number {
  let u = rng.uniform();
  for (let i = 0; i < weights.length - 1; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

function sampleFrom(estimator: ParzenEstimator, rng: Rng): number[] {
  const kernel = estimator.kernels[drawIndex(estimator.mixture, rng)];
  return kernel.map((row) => drawIndex(row, rng));
}

/**
 * The next point to try in a space of `sizes` choices per parameter: uniform at random during the
 * start-up trials, else TPE's best of `eiCandidates` draws from the below mixture (the first on ties).
 * Trials are in the order they completed (older ones weigh less past 25).
 */
export function suggest(trials: readonly CompletedTrial[], sizes: readonly number[], rng: Rng, settings: { startupTrials: number; eiCandidates: number } = TPE_DEFAULTS): number[] {
  if (trials.length < settings.startupTrials) return sizes.map((size) => rng.below(size));
  // Stable sort: equal values keep their order of completion.
  const order = trials.map((t, i) => ({ t, i })).sort((a, b) => a.t.value - b.t.value || a.i - b.i);
  const nBelow = gammaOf(trials.length);
  const byAge = (side: typeof order) => side.sort((a, b) => a.i - b.i).map(({ t }) => t.params);
  const below = parzenEstimator(byAge(order.slice(0, nBelow)), sizes);
  const above = parzenEstimator(byAge(order.slice(nBelow)), sizes);
  let best: { params: number[]; score: number } | undefined;
  for (let c = 0; c < settings.eiCandidates; c++) {
    const params = sampleFrom(below, rng);
    const score = logDensity(below, params) - logDensity(above, params);
    if (best === undefined || score > best.score) best = { params, score };
  }
  return best!.params;
}
