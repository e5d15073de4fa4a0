import { describe, expect, it } from 'vitest';
import { createMemory, sampleControls, updateMemory } from '../src/de/adaptation.ts';
import { addToArchive } from '../src/de/archive.ts';
import { boxOf, repairCoordinate, type Box } from '../src/de/bounds.ts';
import { binomialCrossover, chosenWords, exponentialCrossover } from '../src/de/crossover.ts';
import { DONOR_COUNT, mutantTerms, pickDonors } from '../src/de/mutation.ts';
import { MUTATIONS, resolveParams } from '../src/de/params.ts';
import { Rng, type RandomSource } from '../src/util/seeded-random.ts';
import { buildTrial } from '../src/de/trial.ts';

/** A RandomSource that replays given draws, so an operator's output can be computed by hand. */
function scripted(draws: { uniform?: number[]; int32?: number[]; below?: number[] }): RandomSource {
  const take = (list: number[] | undefined, kind: string) => {
    if (!list?.length) throw new Error(`unexpected ${kind} draw`);
    return list.shift()!;
  };
  return {
    uniform: () => take(draws.uniform, 'uniform'),
    int32: () => take(draws.int32, 'int32'),
    below: () => take(draws.below, 'below'),
    normal: () => take(draws.uniform, 'normal'),
    cauchy: () => take(draws.uniform, 'cauchy'),
  };
}

/** mulberry32 written out independently of the implementation: the stream's 32-bit words, unsigned. */
function mulberryWords(seed: number, count: number): number[] {
  const out: number[] = [];
  let a = seed >>> 0;
  for (let n = 0; n < count; n++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out.push((t ^ (t >>> 14)) >>> 0);
  }
  return out;
}

const f32 = (values: number[]) => Float32Array.from(values);

/** A bit set choosing the given coordinates (see crossover.ts). */
function bitSet(dim: number, coordinates: number[]): Int32Array {
  const chosen = new Int32Array(chosenWords(dim));
  for (const j of coordinates) chosen[j >> 5] |= 1 << (j & 31);
  return chosen;
}
/** The coordinates a bit set chooses, ascending. */
function members(chosen: Int32Array): number[] {
  return Array.from({ length: chosen.length * 32 }, (_, j) => j).filter((j) => (chosen[j >> 5] >>> (j & 31)) & 1);
}
const all = (dim: number) => bitSet(dim, Array.from({ length: dim }, (_, j) => j));

/** A trial whose mutant is exactly `mutant` (rand/1 with a zero difference) at the chosen coordinates. */
function trialOf(mutant: Float32Array, parent: Float32Array, chosen: Int32Array, box: Box, rng: RandomSource): Float32Array {
  const zero = new Float32Array(mutant.length);
  const out = new Float32Array(mutant.length);
  buildTrial(out, parent, mutantTerms('rand/1', 0.5, parent, parent, [mutant, zero, zero]), chosen, box, rng);
  return out;
}

/** The box of a run with these bounds and handling. */
const boxFor = (lower: number[], upper: number[], boundHandling: 'none' | 'clip' | 'reflect' | 'resample') =>
  boxOf(resolveParams({ dim: lower.length, popSize: 4, seed: 1, lower, upper, boundHandling }));
const unbounded = (dim: number) => boxFor(Array(dim).fill(-1), Array(dim).fill(1), 'none');

describe('mutation formulas', () => {
  const x = f32([1, 2, 3, 4]);
  const best = f32([0.5, 0.25, -1, 2]);
  const r = [f32([1, 0, 0, 1]), f32([2, 3, -1, 0]), f32([0, 1, 2, 3]), f32([-2, 5, 1, 1]), f32([4, 4, 4, 4])];
  const F = 0.7;
  const expected: Record<string, (j: number) => number> = {
    'rand/1': (j) => r[0][j] + F * (r[1][j] - r[2][j]),
    'rand/2': (j) => r[0][j] + F * (r[1][j] - r[2][j]) + F * (r[3][j] - r[4][j]),
    'best/1': (j) => best[j] + F * (r[0][j] - r[1][j]),
    'current-to-best/1': (j) => x[j] + F * (best[j] - x[j]) + F * (r[0][j] - r[1][j]),
    'current-to-pbest/1': (j) => x[j] + F * (best[j] - x[j]) + F * (r[0][j] - r[1][j]),
  };
  for (const mutation of MUTATIONS) {
    it(`${mutation} computes its formula at every coordinate the crossover takes`, () => {
      const out = new Float32Array(4);
      const terms = mutantTerms(mutation, F, x, best, r.slice(0, DONOR_COUNT[mutation]));
      buildTrial(out, x, terms, all(4), unbounded(4), scripted({ int32: [0] }));
      expect(Array.from(out)).toEqual([0, 1, 2, 3].map((j) => Math.fround(expected[mutation](j))));
    });
  }

  it('the trial is the parent wherever the crossover does not take the mutant', () => {
    const out = new Float32Array(4).fill(NaN);
    buildTrial(out, x, mutantTerms('rand/1', F, x, best, r), bitSet(4, [0, 2]), unbounded(4), scripted({ int32: [0] }));
    expect(Array.from(out)).toEqual([expected['rand/1'](0), 2, expected['rand/1'](2), 4].map(Math.fround));
  });

  it('picks distinct donors, never the target; the last pbest donor may come from the archive', () => {
    const rng = Rng.fromSeed('donors');
    for (const mutation of MUTATIONS) {
      for (let trial = 0; trial < 200; trial++) {
        const donors = pickDonors(mutation, rng, 3, 8, 4);
        expect(new Set([3, ...donors]).size).toBe(DONOR_COUNT[mutation] + 1);
        donors.forEach((d, n) => {
          const fromArchive = mutation === 'current-to-pbest/1' && n === donors.length - 1;
          expect(d).toBeLessThan(fromArchive ? 12 : 8);
        });
      }
    }
  });
});

describe('crossover', () => {
  it('binomial takes coordinate j iff u_j < CR (16-bit u_j, two per stream word), and always j_rand', () => {
    const seed = 123456789;
    const dim = 75; // not a multiple of 32: bits past the end stay clear
    const u = mulberryWords(seed, Math.ceil(dim / 2)).flatMap((word) => [(word & 0xffff) / 2 ** 16, (word >>> 16) / 2 ** 16]);
    for (const CR of [0, 0.3, 0.5, 0.9, 1]) {
      const chosen = new Int32Array(chosenWords(dim));
      binomialCrossover(chosen, dim, CR, scripted({ below: [4], int32: [seed] }));
      const expected = Array.from({ length: dim }, (_, j) => j).filter((j) => u[j] < CR || j === 4);
      expect(members(chosen)).toEqual(expected);
    }
  });

  it('binomial takes each coordinate with probability CR', () => {
    const dim = 20_000;
    const rate = (CR: number) => {
      const chosen = new Int32Array(chosenWords(dim));
      binomialCrossover(chosen, dim, CR, Rng.fromSeed(`rate ${CR}`));
      return members(chosen).length / dim;
    };
    expect(rate(0.3)).toBeGreaterThan(0.29);
    expect(rate(0.3)).toBeLessThan(0.31);
    expect(rate(0.777)).toBeGreaterThan(0.767);
    expect(rate(0.777)).toBeLessThan(0.787);
  });

  it('exponential takes a run of consecutive coordinates, wrapping around', () => {
    // start 7; draws 0.1 and 0.2 < CR extend the run to 3 coordinates (7, 8, 0); 0.9 ends it.
    const chosen = new Int32Array(chosenWords(9));
    exponentialCrossover(chosen, 9, 0.5, scripted({ below: [7], uniform: [0.1, 0.2, 0.9] }));
    expect(members(chosen)).toEqual([0, 7, 8]);
    exponentialCrossover(chosen, 9, 0.5, scripted({ below: [2], uniform: [0.4, 0.6] }));
    expect(members(chosen)).toEqual([2, 3]);
    exponentialCrossover(chosen, 9, 1, scripted({ below: [5], uniform: Array(8).fill(0) }));
    expect(members(chosen)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('bound handling', () => {
  const lower = [0, 0, -1];
  const upper = [1, 1, 1];
  const parent = f32([0.5, 0.8, 0]);
  const chosen = all(3);

  it('repairs one coordinate by the formula of each handling', () => {
    expect(repairCoordinate(1.3, 0.5, 0, 1, 'clip', 0.9)).toBe(1);
    expect(repairCoordinate(-0.2, 0.5, 0, 1, 'clip', 0.9)).toBe(0);
    expect(repairCoordinate(1.25, 0.5, 0, 1, 'reflect', 0.9)).toBe(0.75);
    // 4.5 in [-1, 1]: 1 - 3.5 = -2.5 -> -1 + 1.5 = 0.5
    expect(repairCoordinate(4.5, 0, -1, 1, 'reflect', 0.9)).toBe(0.5);
    expect(repairCoordinate(1.3, 0.5, 0, 1, 'resample', 0.5)).toBeCloseTo(0.75, 15);
    expect(repairCoordinate(-0.2, 0.8, 0, 1, 'resample', 0.25)).toBeCloseTo(0.6, 15);
  });

  it('clip sets a violating coordinate to its bound', () => {
    const trial = trialOf(f32([1.3, -0.2, 0.5]), parent, chosen, boxFor(lower, upper, 'clip'), scripted({ int32: [0] }));
    expect(Array.from(trial)).toEqual([1, 0, 0.5]);
  });

  it('reflect mirrors at the bound, repeatedly', () => {
    const trial = trialOf(f32([1.25, -0.25, 4.5]), parent, chosen, boxFor(lower, upper, 'reflect'), scripted({ int32: [0] }));
    expect(Array.from(trial)).toEqual([0.75, 0.25, 0.5]);
  });

  it('resample draws between the parent and the violated bound, one stream draw per repaired coordinate', () => {
    const seed = 987654321;
    const [u0, u1] = mulberryWords(seed, 2).map((word) => word / 2 ** 32);
    const trial = trialOf(f32([1.3, -0.2, 0.5]), parent, chosen, boxFor(lower, upper, 'resample'), scripted({ int32: [seed] }));
    expect(Array.from(trial)).toEqual([parent[0] + u0 * (1 - parent[0]), parent[1] + u1 * (0 - parent[1]), 0.5].map(Math.fround));
    expect(trial[0]).toBeGreaterThanOrEqual(parent[0]);
    expect(trial[1]).toBeLessThanOrEqual(parent[1]);
  });

  it('every handler keeps every coordinate inside; none leaves the trial alone', () => {
    const rng = Rng.fromSeed('bounds');
    for (const handling of ['clip', 'reflect', 'resample'] as const) {
      const box = boxFor(lower, upper, handling);
      for (let n = 0; n < 100; n++) {
        const mutant = f32([rng.normal(0, 10), rng.normal(0, 10), rng.normal(0, 10)]);
        const trial = trialOf(mutant, parent, chosen, box, rng);
        trial.forEach((v, j) => expect(v >= lower[j] && v <= upper[j]).toBe(true));
      }
    }
    const untouched = trialOf(f32([5, -5, 5]), parent, chosen, boxFor(lower, upper, 'none'), rng);
    expect(Array.from(untouched)).toEqual([5, -5, 5]);
  });
});

describe('F/CR adaptation', () => {
  const base = { dim: 2, popSize: 10, seed: 1, lower: 0, upper: 1 };

  it('fixed strategies redraw a dithered F once per generation, inside the range', () => {
    const params = resolveParams({ ...base, strategy: 'rand/1/bin', F: [0.5, 1], CR: 0.8 });
    const F = new Float64Array(10);
    const CR = new Float64Array(10);
    sampleControls(params, createMemory(params), scripted({ uniform: [0.25] }), F, CR);
    expect(Array.from(F)).toEqual(Array(10).fill(0.625));
    expect(Array.from(CR)).toEqual(Array(10).fill(0.8));
  });

  it('JADE and SHADE draw F in (0, 1] and CR in [0, 1]', () => {
    for (const strategy of ['jade', 'shade'] as const) {
      const params = resolveParams({ ...base, strategy });
      const F = new Float64Array(10);
      const CR = new Float64Array(10);
      sampleControls(params, createMemory(params), Rng.fromSeed(strategy), F, CR);
      F.forEach((v) => expect(v > 0 && v <= 1).toBe(true));
      CR.forEach((v) => expect(v >= 0 && v <= 1).toBe(true));
    }
  });

  it('JADE moves its means by c towards the arithmetic (CR) and Lehmer (F) means', () => {
    const params = resolveParams({ ...base, strategy: 'jade', jadeLearningRate: 0.1 });
    const memory = createMemory(params);
    updateMemory(params, memory, [
      { F: 0.2, CR: 0.1, improvement: 5 },
      { F: 0.6, CR: 0.5, improvement: 1 },
    ]);
    expect(memory.CR[0]).toBeCloseTo(0.9 * 0.5 + 0.1 * 0.3, 15);
    expect(memory.F[0]).toBeCloseTo(0.9 * 0.5 + 0.1 * ((0.04 + 0.36) / 0.8), 15);
  });

  it('SHADE writes improvement-weighted means into the next slot, round-robin', () => {
    const params = resolveParams({ ...base, strategy: 'shade', memorySize: 2 });
    const memory = createMemory(params);
    const successes = [
      { F: 0.2, CR: 0.1, improvement: 3 },
      { F: 0.6, CR: 0.5, improvement: 1 },
    ];
    updateMemory(params, memory, successes);
    expect(memory.CR[0]).toBeCloseTo(0.75 * 0.1 + 0.25 * 0.5, 15);
    expect(memory.F[0]).toBeCloseTo((0.75 * 0.04 + 0.25 * 0.36) / (0.75 * 0.2 + 0.25 * 0.6), 15);
    expect(memory.next).toBe(1);
    updateMemory(params, memory, successes);
    updateMemory(params, memory, []);
    expect(memory.next).toBe(0);
  });
});

describe('archive', () => {
  it('fills, then replaces a random entry', () => {
    const archive = { vectors: new Float32Array(4), count: 0 };
    addToArchive(archive, f32([1, 1]), scripted({}));
    addToArchive(archive, f32([2, 2]), scripted({}));
    addToArchive(archive, f32([3, 3]), scripted({ below: [0] }));
    expect(archive.count).toBe(2);
    expect(Array.from(archive.vectors)).toEqual([3, 3, 2, 2]);
  });
});
