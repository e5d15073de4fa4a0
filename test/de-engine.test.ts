import { describe, expect, it } from 'vitest';
import { DifferentialEvolution, type DEOptions, type Strategy } from '../src/de/index.ts';
import { UserError } from '../src/util/errors.ts';

const sphere = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0);

function run(de: DifferentialEvolution, f: (x: Float32Array) => number, generations: number): void {
  for (let g = 0; g < generations && !de.stopReason(0); g++) de.tell(de.ask().map(f));
}

const bits = (arrays: Float32Array[]) => arrays.map((a) => Array.from(new Uint32Array(a.slice().buffer)));

describe('strategies produce what their formula says on a seeded case', () => {
  // With CR = 1 every coordinate of a binomial trial comes from the mutant, so each trial must equal
  // the formula for some choice of distinct donors (none the target itself).
  const popSize = 7;
  const dim = 3;
  const initialPopulation = Array.from({ length: popSize }, (_, i) => Float32Array.from([i, i * i - 3, 5 - 2 * i]));
  const fitness = initialPopulation.map(sphere);
  const best = initialPopulation[fitness.indexOf(Math.min(...fitness))];
  const F = 0.5;
  const formulas: Record<string, (x: Float32Array, r: Float32Array[], j: number) => number> = {
    'rand/1/bin': (_x, r, j) => r[0][j] + F * (r[1][j] - r[2][j]),
    'rand/2/bin': (_x, r, j) => r[0][j] + F * (r[1][j] - r[2][j]) + F * (r[3][j] - r[4][j]),
    'best/1/bin': (_x, r, j) => best[j] + F * (r[0][j] - r[1][j]),
    'current-to-best/1/bin': (x, r, j) => x[j] + F * (best[j] - x[j]) + F * (r[0][j] - r[1][j]),
  };
  const donorCount: Record<string, number> = { 'rand/1/bin': 3, 'rand/2/bin': 5, 'best/1/bin': 2, 'current-to-best/1/bin': 2 };

  function* tuples(size: number, exclude: number): Generator<number[]> {
    const go = function* (prefix: number[]): Generator<number[]> {
      if (prefix.length === size) return yield prefix;
      for (let n = 0; n < popSize; n++) if (n !== exclude && !prefix.includes(n)) yield* go([...prefix, n]);
    };
    yield* go([]);
  }

  for (const strategy of Object.keys(formulas) as Strategy[]) {
    it(strategy, () => {
      const de = new DifferentialEvolution({ dim, popSize, seed: 'formula', strategy, F, CR: 1, initialPopulation });
      de.tell(de.ask().map(sphere));
      de.ask().forEach((trial, i) => {
        const matches = [...tuples(donorCount[strategy], i)].some((r) =>
          [0, 1, 2].every((j) => trial[j] === Math.fround(formulas[strategy](initialPopulation[i], r.map((n) => initialPopulation[n]), j))),
        );
        expect(matches, `trial ${i}: ${Array.from(trial)}`).toBe(true);
      });
    });
  }

  it('exponential crossover mixes the rand/1 mutant with the parent in one circular run', () => {
    const de = new DifferentialEvolution({ dim: 6, popSize: 5, seed: 'exp', strategy: 'rand/1/exp', F, CR: 0.5, lower: -1, upper: 1, boundHandling: 'none' });
    const parents = de.ask().map((v) => v.slice());
    de.tell(parents.map(sphere));
    de.ask().forEach((trial, i) => {
      const changed = Array.from(trial, (v, j) => v !== parents[i][j]);
      // The changed coordinates form one contiguous circular run.
      const starts = changed.filter((c, j) => c && !changed[(j + 5) % 6]).length;
      expect(starts).toBeLessThanOrEqual(1);
    });
  });
});

describe('DifferentialEvolution', () => {
  const base: DEOptions = { dim: 10, popSize: 30, seed: 7, lower: -5, upper: 5 };

  it('the default reaches 1e-8 on the 10-D sphere within 20,000 evaluations', () => {
    const de = new DifferentialEvolution({ ...base, stop: { targetFitness: 1e-8, maxEvaluations: 20_000 } });
    run(de, sphere, Infinity);
    expect(de.stopReason(0)).toBe('target-fitness');
    expect(de.best.fitness).toBeLessThanOrEqual(1e-8);
    expect(de.evaluations).toBeLessThanOrEqual(20_000);
    expect(sphere(de.best.vector)).toBe(de.best.fitness);
  });

  it('the same seed gives bit-identical populations; another seed does not', () => {
    const a = new DifferentialEvolution(base);
    const b = new DifferentialEvolution(base);
    const c = new DifferentialEvolution({ ...base, seed: 8 });
    run(a, sphere, 5);
    run(b, sphere, 5);
    run(c, sphere, 5);
    expect(bits(a.ask())).toEqual(bits(b.ask()));
    expect(bits(a.ask())).not.toEqual(bits(c.ask()));
  });

  for (const strategy of ['shade', 'jade', 'rand/1/exp', 'rand/2/bin'] as const) {
    it(`${strategy}: state round-trips through JSON exactly and a resumed run equals an uninterrupted one`, () => {
      const options = { ...base, strategy };
      const uninterrupted = new DifferentialEvolution(options, 0);
      run(uninterrupted, sphere, 20);
      const first = new DifferentialEvolution(options, 0);
      run(first, sphere, 8);
      first.ask(); // checkpoint with candidates pending: the resumed run must score the same ones
      const json = JSON.stringify(first);
      const resumed = DifferentialEvolution.fromJSON(JSON.parse(json));
      expect(JSON.stringify(resumed)).toBe(json);
      run(resumed, sphere, 12);
      expect(bits(resumed.population.vectors)).toEqual(bits(uninterrupted.population.vectors));
      expect(resumed.population.fitness).toEqual(uninterrupted.population.fitness);
      expect(resumed.best).toEqual(uninterrupted.best);
      expect(resumed.generation).toBe(20);
      expect(JSON.stringify(resumed)).toBe(JSON.stringify(uninterrupted));
    });
  }

  it('rejects a checkpoint that is not one', () => {
    expect(() => DifferentialEvolution.fromJSON({ format: 'other' })).toThrow(UserError);
  });

  for (const boundHandling of ['clip', 'reflect', 'resample'] as const) {
    it(`${boundHandling} keeps every asked candidate inside the bounds, for every strategy`, () => {
      for (const strategy of ['shade', 'jade', 'rand/1/bin', 'best/1/exp', 'current-to-best/1/bin', 'rand/2/bin'] as const) {
        const lower = [-1, 0, 2, -0.1];
        const upper = [1, 0.3, 2.5, 0.1];
        const de = new DifferentialEvolution({ dim: 4, popSize: 8, seed: 3, strategy, F: 2, CR: 1, lower, upper, boundHandling });
        for (let g = 0; g < 15; g++) {
          const candidates = de.ask();
          candidates.forEach((x) => x.forEach((v, j) => expect(v >= lower[j] && v <= upper[j]).toBe(true)));
          // Fitness pulls far outside the box, so mutants keep pushing against the bounds.
          de.tell(candidates.map((x) => x.reduce((s, v) => s + (v - 10) ** 2, 0)));
        }
      }
    });
  }

  it('treats NaN and infinite fitness as worst, counts it, and keeps running', () => {
    const de = new DifferentialEvolution({ ...base, popSize: 6 });
    const bad = [NaN, Infinity, -Infinity];
    de.tell(de.ask().map((x, i) => (i < 3 ? bad[i] : sphere(x))));
    expect(de.invalidEvaluations).toBe(3);
    expect(Number.isFinite(de.best.fitness)).toBe(true);
    expect(de.population.fitness.slice(0, 3)).toEqual([Infinity, Infinity, Infinity]);
    for (let g = 0; g < 5; g++) de.tell(de.ask().map(() => NaN));
    expect(de.invalidEvaluations).toBe(33);
    expect(de.evaluations).toBe(36);
    run(de, sphere, 10);
    expect(de.population.fitness.every(Number.isFinite)).toBe(true);
  });

  it('reports each stop reason', () => {
    const stopped = (stop: DEOptions['stop'], f = sphere, nowMs = 0) => {
      const de = new DifferentialEvolution({ ...base, stop }, 0);
      while (!de.stopReason(nowMs)) de.tell(de.ask().map(f));
      return de;
    };
    const budget = stopped({ maxEvaluations: 100 });
    expect([budget.stopReason(0), budget.evaluations]).toEqual(['max-evaluations', 90]);
    expect(stopped({ maxGenerations: 4 }).generation).toBe(4);
    expect(stopped({ maxGenerations: 4 }).stopReason(0)).toBe('max-generations');
    expect(stopped({ targetFitness: 1 }).best.fitness).toBeLessThanOrEqual(1);
    const flat = stopped({ stagnationGenerations: 5 }, () => 1);
    expect([flat.stopReason(0), flat.generation]).toEqual(['stagnation', 6]);
    const clock = new DifferentialEvolution({ ...base, stop: { maxWallMs: 1000 } }, 5000);
    expect(clock.stopReason(5999)).toBeNull();
    expect(clock.stopReason(6000)).toBe('wall-clock');
  });

  it('asks again for the same candidates until told, and refuses a tell without an ask', () => {
    const de = new DifferentialEvolution(base);
    expect(() => de.tell(new Array(30).fill(0))).toThrow(UserError);
    const first = bits(de.ask());
    expect(bits(de.ask())).toEqual(first);
    expect(() => de.tell([1, 2])).toThrow(/expected 30/);
  });

  it('rejects bad options with one-line user errors', () => {
    const bad: Partial<DEOptions>[] = [
      { strategy: 'rand/3/bin' as Strategy },
      { strategy: 'rand/2/bin', popSize: 5 },
      { CR: 1.5 },
      { F: [1, 0.5] },
      { lower: undefined, upper: undefined },
      { lower: [0, 0] },
      { lower: 1, upper: 0 },
      { initialPopulation: [new Float32Array(10)] },
    ];
    for (const options of bad) expect(() => new DifferentialEvolution({ ...base, ...options })).toThrow(UserError);
  });
});
