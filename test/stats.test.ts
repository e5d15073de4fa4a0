import { describe, expect, it } from 'vitest';
import { bootstrapStatistic, streamFor } from '../src/stats/bootstrap.ts';
import { pairedComparison } from '../src/stats/paired.ts';
import { summariseSeeds } from '../src/stats/seeds.ts';
import { lossesOverSeeds, type SweepRun } from '../src/train/sweep.ts';
import type { RunResult } from '../src/train/run-files.ts';
import type { ScoreUnit, SurveyQuestion } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { IW_MAP } from '../src/instruments/iw-map/index.ts';
import { DIMENSIONS, targetValues } from '../src/targets/index.ts';

const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
/** A fixed, irregular sample (no generator under test): values spread over [0, 1). */
const sample = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => (((i + shift) * 7919) % 1009) / 1009);

/** p of the two-sided sign-flip test by enumerating all 2^n flips, straight from the definition. */
function exactSignFlipP(differences: readonly number[]): number {
  const observed = Math.abs(meanOf(differences));
  let hits = 0;
  const total = 2 ** differences.length;
  for (let mask = 0; mask < total; mask++) {
    const flipped = differences.map((d, i) => ((mask >> i) & 1 ? -d : d));
    if (Math.abs(meanOf(flipped)) >= observed - 1e-12) hits++;
  }
  return hits / total;
}

describe('bootstrap intervals of any statistic', () => {
  it('matches a hand computation with scripted draws', () => {
    // Draws pick indices 0,0,1 | 2,2,2 of [5, 1, 3]: the maxima are 5 and 3.
    const draws = [0.1, 0.2, 0.4, 0.9, 0.8, 0.7];
    let next = 0;
    const [low, high] = bootstrapStatistic([5, 1, 3], (s) => Math.max(...s), 2, () => draws[next++]);
    expect(low).toBeCloseTo(3 + 2 * 0.025, 12);
    expect(high).toBeCloseTo(3 + 2 * 0.975, 12);
  });

  it('holds the mean, is reproducible from the seed, and narrows as 1/sqrt(n)', () => {
    const width = (values: number[], seed: string) => {
      const [low, high] = bootstrapStatistic(values, meanOf, 2000, streamFor(seed, 'width'));
      expect(low).toBeLessThan(meanOf(values));
      expect(high).toBeGreaterThan(meanOf(values));
      return high - low;
    };
    const small = sample(50);
    const large = sample(200);
    expect(bootstrapStatistic(small, meanOf, 200, streamFor(1, 'k'))).toEqual(bootstrapStatistic(small, meanOf, 200, streamFor(1, 'k')));
    expect(bootstrapStatistic(small, meanOf, 200, streamFor(1, 'k'))).not.toEqual(bootstrapStatistic(small, meanOf, 200, streamFor(2, 'k')));
    // Four times the units, half the width.
    expect(width(small, 's') / width(large, 's')).toBeGreaterThan(1.7);
    expect(width(small, 's') / width(large, 's')).toBeLessThan(2.3);
    // Near the normal-theory width 2 * 1.96 * sd / sqrt(n) (sd with n, as the bootstrap's plug-in estimate).
    const sd = Math.sqrt(meanOf(large.map((x) => (x - meanOf(large)) ** 2)));
    expect(width(large, 't') / ((2 * 1.96 * sd) / Math.sqrt(large.length))).toBeCloseTo(1, 1);
  });
});

describe('paired comparisons', () => {
  const a = [0.9, 0.7, 0.8, 0.6, 0.75, 0.95, 0.5, 0.85, 0.65, 0.7];
  const b = [0.6, 0.72, 0.5, 0.55, 0.7, 0.6, 0.52, 0.6, 0.66, 0.4];

  it('gives the exact sign-flip p for a mean when every flip fits the budget', () => {
    const test = pairedComparison(a, b, meanOf, { samples: 500, seed: 3, key: 'exact' });
    expect(test.exact).toBe(true);
    expect(test.permutations).toBe(2 ** a.length);
    expect(test.effect).toBeCloseTo(meanOf(a) - meanOf(b), 12);
    expect(test.p).toBeCloseTo(exactSignFlipP(a.map((x, i) => x - b[i])), 12);
    expect(test.ci95[0]).toBeLessThan(test.effect);
    expect(test.ci95[1]).toBeGreaterThan(test.effect);
  });

  it('exchanges labels for a statistic that is not a mean', () => {
    const distance = (xs: readonly number[]) => Math.abs(meanOf(xs) - 0.9);
    let hits = 0;
    const observed = Math.abs(distance(a) - distance(b));
    for (let mask = 0; mask < 2 ** a.length; mask++) {
      const x = a.map((v, i) => ((mask >> i) & 1 ? b[i] : v));
      const y = b.map((v, i) => ((mask >> i) & 1 ? a[i] : v));
      if (Math.abs(distance(x) - distance(y)) >= observed - 1e-12) hits++;
    }
    expect(pairedComparison(a, b, distance, { samples: 10, seed: 1, key: 'loss' }).p).toBeCloseTo(hits / 2 ** a.length, 12);
  });

  it('draws random flips beyond the budget, near the exact p and never 0', () => {
    const x = sample(16);
    const y = sample(16, 5).map((v) => v - 0.05);
    const exact = exactSignFlipP(x.map((v, i) => v - y[i]));
    const drawn = pairedComparison(x, y, meanOf, { samples: 10, permutations: 4000, seed: 9, key: 'mc' });
    expect(drawn.exact).toBe(false);
    expect(drawn.permutations).toBe(4000);
    expect(Math.abs(drawn.p - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / 4000) + 1 / 4000);
    expect(pairedComparison(x, y, meanOf, { samples: 10, permutations: 4000, seed: 9, key: 'mc' })).toEqual(drawn);
    const far = pairedComparison(x.map((v) => v + 10), y, meanOf, { samples: 10, permutations: 100, seed: 9, key: 'far' });
    expect(far.p).toBeCloseTo(1 / 101, 12);
  });

  it('finds no difference between a condition and itself', () => {
    const same = pairedComparison(a, a, meanOf, { samples: 50, seed: 2, key: 'same' });
    expect(same.effect).toBe(0);
    expect(same.p).toBe(1);
    expect(same.ci95).toEqual([0, 0]);
  });
});

describe('results over seeds', () => {
  it('is the mean and the sample standard deviation (n - 1)', () => {
    const values = [54.2, 53.9, 54.8, 54.1];
    const m = (54.2 + 53.9 + 54.8 + 54.1) / 4;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / 3);
    expect(summariseSeeds(values)).toEqual({ mean: expect.closeTo(m, 12), sd: expect.closeTo(sd, 12), n: 4 });
    expect(summariseSeeds([3])).toEqual({ mean: 3, sd: null, n: 1 });
  });
});

describe("instruments' per-unit breakdowns recompute their scores and losses", () => {
  /** A deterministic answer distribution per question (no generator under test). */
  const distributionsFor = (questions: readonly SurveyQuestion[]) =>
    questions.map((q, n) => {
      const weights = q.answerKeys.map((_, k) => 1 + ((n * 31 + k * 17) % 7));
      const total = weights.reduce((s, w) => s + w, 0);
      return weights.map((w) => w / total);
    });
  const weightedMean = (units: readonly ScoreUnit[], name: string) => units.reduce((s, u) => s + u.weight * u.scores[name], 0) / units.reduce((s, u) => s + u.weight, 0);

  it('VSM 2013: respondents average to the indices, and the L1 of their mean is the loss', () => {
    const settings = VSM13.settings({ variants: '6', constants: 'PDI=10,IDV=-5' });
    const target = VSM13.target({ country: 'JP', fallback: 'region' });
    const questions = VSM13.questions(settings, target);
    const distributions = distributionsFor(questions);
    const scores = VSM13.scores(questions, distributions, settings, target);
    const units = VSM13.breakdown!.units(questions, distributions, settings, target);
    expect(units.map((u) => u.id)).toEqual(['p1', 'p2', 'p3']);
    const named = VSM13.named(scores, settings);
    const published = targetValues(target);
    for (const d of DIMENSIONS) expect(weightedMean(units, d)).toBeCloseTo(named[d], 9);
    const l1 = DIMENSIONS.reduce((s, d) => s + Math.abs(weightedMean(units, d) - (published[d] as number)), 0) / DIMENSIONS.length;
    expect(l1).toBeCloseTo(VSM13.loss(scores, target, settings).value, 9);
  });

  it('the Inglehart-Welzel map: respondents average to the position, and the distance of their mean is the loss', () => {
    const settings = IW_MAP.settings({ variants: '3' });
    const target = IW_MAP.target({ country: 'JP', fallback: 'region' });
    const questions = IW_MAP.questions(settings, target);
    const distributions = distributionsFor(questions);
    const scores = IW_MAP.scores(questions, distributions, settings, target);
    const units = IW_MAP.breakdown!.units(questions, distributions, settings, target);
    expect(units).toHaveLength(3);
    const want = targetValues(target);
    const distance = Math.hypot(weightedMean(units, 'PC1') - (want.PC1 as number), weightedMean(units, 'PC2') - (want.PC2 as number));
    expect(distance).toBeCloseTo(IW_MAP.loss(scores, target, settings).value, 9);
  });
});

describe('sweep --seeds', () => {
  it("summarises each country's best losses over its seeds", () => {
    const runs = [
      ['SA', 1, 54.2],
      ['JP', 1, 40.0],
      ['SA', 2, 53.6],
      ['JP', 2, 41.0],
      ['SA', 3, 54.5],
    ] as const;
    const plan = runs.map(([country, seed]) => ({ country, definition: { search: { seed } } })) as unknown as SweepRun[];
    const results = runs.map(([, , loss]) => ({ best: { loss: { value: loss } } })) as unknown as RunResult[];
    const sa = [54.2, 53.6, 54.5];
    const saMean = (54.2 + 53.6 + 54.5) / 3;
    expect(lossesOverSeeds(plan, results)).toEqual([
      { country: 'SA', seeds: [1, 2, 3], bestLoss: { mean: expect.closeTo(saMean, 12), sd: expect.closeTo(Math.sqrt(sa.reduce((s, v) => s + (v - saMean) ** 2, 0) / 2), 12), n: 3 } },
      { country: 'JP', seeds: [1, 2], bestLoss: { mean: expect.closeTo(40.5, 12), sd: expect.closeTo(Math.SQRT1_2, 12), n: 2 } },
    ]);
  });
});
