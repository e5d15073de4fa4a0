import { describe, expect, it } from 'vitest';
import { createMemory, sampleControls, updateMemory } from '../src/de/adaptation.ts';
import { addToArchive } from '../src/de/archive.ts';
import { repairBounds } from '../src/de/bounds.ts';
import { binomialCrossover, exponentialCrossover } from '../src/de/crossover.ts';
import { DONOR_COUNT, mutate, pickDonors } from '../src/de/mutation.ts';
import { MUTATIONS, resolveParams } from '../src/de/params.ts';
import type { RandomSource } from '../src/de/random-source.ts';
import { Rng } from '../src/de/rng.ts';

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

/** mulberry32 written out independently of the implementation: the u_j binomial crossover compares with CR. */
function mulberryUniforms(seed: number, count: number): number[] {
  const out: number[] = [];
  let a = seed >>> 0;
  for (let n = 0; n < count; n++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out.push((((t ^ (t >>> 14)) >>> 0) >>> 1) / 2 ** 31);
  }
  return out;
}

const f32 = (values: number[]) => Float32Array.from(values);

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
    it(`${mutation} computes its formula`, () => {
      const out = new Float32Array(4);
      mutate(out, mutation, F, x, best, r.slice(0, DONOR_COUNT[mutation]));
      expect(Array.from(out)).toEqual([0, 1, 2, 3].map((j) => Math.fround(expected[mutation](j))));
    });
  }

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
  const target = f32([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const mutant = f32([1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('binomial takes coordinate j from the mutant iff u_j < CR, and always at j_rand', () => {
    const seed = 123456789;
    const u = mulberryUniforms(seed, 9);
    for (const CR of [0, 0.3, 0.5, 0.9, 1]) {
      const trial = mutant.slice();
      binomialCrossover(trial, target, CR, scripted({ below: [4], int32: [seed] }));
      expect(Array.from(trial)).toEqual(u.map((uj, j) => (uj < CR || j === 4 ? mutant[j] : target[j])));
    }
  });

  it('binomial takes each coordinate with probability CR', () => {
    const dim = 20_000;
    const trial = new Float32Array(dim).fill(1);
    binomialCrossover(trial, new Float32Array(dim), 0.3, Rng.fromSeed('rate'));
    const taken = trial.reduce((sum, v) => sum + v, 0) / dim;
    expect(taken).toBeGreaterThan(0.29);
    expect(taken).toBeLessThan(0.31);
  });

  it('exponential copies a run of consecutive mutant coordinates, wrapping around', () => {
    // start 7; draws 0.1 and 0.2 < CR extend the run to 3 coordinates (7, 8, 0); 0.9 ends it.
    const trial = mutant.slice();
    exponentialCrossover(trial, target, 0.5, scripted({ below: [7], uniform: [0.1, 0.2, 0.9] }));
    expect(Array.from(trial)).toEqual([1, 0, 0, 0, 0, 0, 0, 8, 9]);
    const inside = mutant.slice();
    exponentialCrossover(inside, target, 0.5, scripted({ below: [2], uniform: [0.4, 0.6] }));
    expect(Array.from(inside)).toEqual([0, 0, 3, 4, 0, 0, 0, 0, 0]);
    const all = mutant.slice();
    exponentialCrossover(all, target, 1, scripted({ below: [5], uniform: Array(8).fill(0) }));
    expect(all).toEqual(mutant);
  });
});

describe('bound handling', () => {
  const lower = f32([0, 0, -1]);
  const upper = f32([1, 1, 1]);
  const parent = f32([0.5, 0.8, 0]);

  it('clip sets a violating coordinate to its bound', () => {
    const trial = f32([1.3, -0.2, 0.5]);
    repairBounds(trial, parent, lower, upper, 'clip', Rng.fromSeed(1));
    expect(Array.from(trial)).toEqual([1, 0, 0.5]);
  });

  it('reflect mirrors at the bound, repeatedly', () => {
    const trial = f32([1.25, -0.25, 4.5]);
    repairBounds(trial, parent, lower, upper, 'reflect', Rng.fromSeed(1));
    // 4.5 in [-1, 1]: 1 - 3.5 = -2.5 -> -1 + 1.5 = 0.5
    expect(Array.from(trial)).toEqual([0.75, 0.25, 0.5]);
  });

  it('resample draws between the parent and the violated bound', () => {
    const trial = f32([1.3, -0.2, 0.5]);
    repairBounds(trial, parent, lower, upper, 'resample', scripted({ uniform: [0.5, 0.25] }));
    expect(Array.from(trial)).toEqual([Math.fround(0.75), Math.fround(0.6), 0.5]);
  });

  it('every handler keeps every coordinate inside, none leaves the trial alone', () => {
    const rng = Rng.fromSeed('bounds');
    for (const handling of ['clip', 'reflect', 'resample'] as const) {
      for (let n = 0; n < 100; n++) {
        const trial = f32([rng.normal(0, 10), rng.normal(0, 10), rng.normal(0, 10)]);
        repairBounds(trial, parent, lower, upper, handling, rng);
        trial.forEach((v, j) => expect(v >= lower[j] && v <= upper[j]).toBe(true));
      }
    }
    const untouched = f32([5, -5, 5]);
    repairBounds(untouched, parent, lower, upper, 'none', rng);
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
