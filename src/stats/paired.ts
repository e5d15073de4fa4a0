import { percentileInterval, resampleWithin, streamFor } from './bootstrap.ts';

/**
 * Random label exchanges per p value. With 10,000 the Monte Carlo error of a p near 0.05 is about
 * 0.002 (sqrt(p(1 - p) / P)); up to 13 units every exchange is enumerated instead (2^13 = 8192).
 */
export const DEFAULT_PERMUTATIONS = 10_000;

/** Two conditions compared on the same units: a - b, its paired bootstrap interval, and a two-sided permutation p. */
export interface PairedComparison {
  /** statistic(a) - statistic(b). */
  effect: number;
  ci95: [number, number];
  p: number;
  /** How many label exchanges the p value counts: all 2^n when `exact`, else random ones. */
  permutations: number;
  exact: boolean;
  units: number;
}

export interface PairedOptions {
  samples: number;
  permutations?: number;
  seed: string | number;
  /** Names the comparison, so its random streams are its own. */
  key: string;
  /** Each unit's stratum (MultiTP: its dilemma's dimension): the bootstrap resamples within strata. */
  strata?: readonly string[];
}

/** |t| reaches |observed|, allowing for rounding: an exchange of two equal units must count as a tie. */
function atLeastAsExtreme(t: number, observed: number): boolean {
  return Math.abs(t) >= Math.abs(observed) - 1e-12 * Math.max(1, Math.abs(observed));
}

/**
 * Condition a against condition b, unit by unit (a[i] and b[i] are the same question or respondent
 * under the two conditions). The interval resamples units with replacement, the same draw for both
 * conditions (the paired bootstrap, Efron & Tibshirani 1993, §13.3). The p value is a permutation test
 * of exchangeability within pairs (Good, Permutation Tests, 2005, §3.1): under "the condition makes no
 * difference" a[i] and b[i] may swap labels, so p is the share of the 2^n exchanges whose |effect| is
 * at least the observed one. For a mean this is the sign-flip test on the differences; any other
 * statistic (a loss of averaged scores) is recomputed per exchange. Beyond 2^n > permutations it
 * draws random exchanges and counts the observed one too, p = (1 + hits) / (1 + draws), which is never
 * 0 (Phipson & Smyth 2010). With `strata` the bootstrap resamples within each stratum; the exchanges
 * need no change, since swapping a unit's two conditions keeps it in its stratum.
 */
export function pairedComparison<U>(a: readonly U[], b: readonly U[], statistic: (sample: readonly U[]) => number, options: PairedOptions): PairedComparison {
  if (a.length !== b.length) throw new Error(`paired comparison of ${a.length} and ${b.length} units`);
  const n = a.length;
  const effectOf = (x: readonly U[], y: readonly U[]) => statistic(x) - statistic(y);
  const effect = effectOf(a, b);
  const bootstrapRandom = streamFor(options.seed, `${options.key}:bootstrap`);
  const replicates: number[] = [];
  for (let s = 0; s < options.samples; s += 1) {
    const picked = resampleWithin(n, options.strata, bootstrapRandom);
    replicates.push(effectOf(picked.map((i) => a[i]), picked.map((i) => b[i])));
  }
  const exchanged = (swap: readonly boolean[]) => {
    const x = a.map((unit, i) => (swap[i] ? b[i] : unit));
    const y = b.map((unit, i) => (swap[i] ? a[i] : unit));
    return effectOf(x, y);
  };
  const budget = options.permutations ?? DEFAULT_PERMUTATIONS;
  const exact = n < 31 && 2 ** n <= budget;
  let hits = 0;
  let permutations: number;
  if (exact) {
    permutations = 2 ** n;
    for (let mask = 0; mask < permutations; mask += 1) if (atLeastAsExtreme(exchanged(a.map((_, i) => ((mask >> i) & 1) === 1)), effect)) hits += 1;
  } else {
    permutations = budget;
    const random = streamFor(options.seed, `${options.key}:permutation`);
    for (let s = 0; s < permutations; s += 1) if (atLeastAsExtreme(exchanged(a.map(() => random() < 0.5)), effect)) hits += 1;
  }
  return {
    effect,
    ci95: percentileInterval(replicates),
    p: exact ? hits / permutations : (1 + hits) / (1 + permutations),
    permutations,
    exact,
    units: n,
  };
}
