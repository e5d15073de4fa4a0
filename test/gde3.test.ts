import { describe, expect, it } from 'vitest';
import {
  crowdingDistances,
  GDE3,
  hypervolume,
  invertedGenerationalDistance,
  nonDominatedFronts,
  survivors,
  type GDE3Options,
  type GDE3Strategy,
} from '../src/de/index.ts';
import { UserError } from '../src/util/errors.ts';
import { DTLZ2, ZDT1, ZDT2, ZDT3, type MooProblem } from './helpers/moo-problems.ts';
import { uniforms } from './helpers/uniforms.ts';

const bits = (arrays: Float32Array[]) => arrays.map((a) => Array.from(new Uint32Array(a.slice().buffer)));

function randomPoints(seed: number, count: number, m: number): number[][] {
  const next = uniforms(seed);
  return Array.from({ length: count }, () => Array.from({ length: m }, next));
}

const dominatesPoint = (a: number[], b: number[]) => a.every((v, j) => v <= b[j]) && a.some((v, j) => v < b[j]);

/** Hypervolume by inclusion–exclusion over every non-empty subset: exponential, but independent of WFG. */
function inclusionExclusion(points: number[][], reference: number[]): number {
  let volume = 0;
  for (let mask = 1; mask < 1 << points.length; mask++) {
    const subset = points.filter((_, i) => mask & (1 << i));
    const corner = reference.map((_, j) => Math.max(...subset.map((p) => p[j])));
    const box = reference.reduce((product, r, j) => product * Math.max(0, r - corner[j]), 1);
    volume += (subset.length % 2 === 1 ? 1 : -1) * box;
  }
  return volume;
}

describe('Pareto ranking', () => {
  it('fronts match the definition: each front is what no remaining point dominates', () => {
    const points = randomPoints(1, 60, 3).map((p) => [p[0], p[1], 1.5 - p[0] - p[1] + 0.3 * p[2]]);
    const fronts = nonDominatedFronts(points.flat(), points.length, 3);
    let remaining = points.map((_, i) => i);
    for (const front of fronts) {
      const expected = remaining.filter((i) => !remaining.some((k) => dominatesPoint(points[k], points[i])));
      expect(front).toEqual(expected);
      remaining = remaining.filter((i) => !front.includes(i));
    }
    expect(remaining).toEqual([]);
  });

  it('crowding distance is the normalised gap between neighbours, infinite at the ends', () => {
    const points = [[0, 4], [1, 3], [3, 1], [4, 0], [1.5, 2.5]];
    const distance = crowdingDistances(points.flat(), [0, 1, 2, 3, 4], 2);
    // Sorted by f1: 0, 1, 1.5, 3, 4 (ranges 4 in both objectives).
    expect(Array.from(distance)).toEqual([Infinity, (1.5 - 0) / 4 + (4 - 2.5) / 4, (4 - 1.5) / 4 + (2.5 - 0) / 4, Infinity, (3 - 1) / 4 + (3 - 1) / 4]);
  });

  it('survivors keep whole fronts, then thin the last one by recomputed crowding distance', () => {
    // Front 1: six points on the line f2 = 4 - f1, two of them bunched at f1 = 1 and 1.05; front 2: one point.
    const points = [[0, 4], [1, 3], [1.05, 2.95], [2.2, 1.8], [3, 1], [4, 0], [5, 5]];
    expect(survivors(points.flat(), 7, 2, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    // Crowding distances (x 2 for two equal contributions, / 4 the range): f1=1: 0.525, 1.05: 0.6, 2.2: 0.975,
    // 3: 0.9. Computed once, the two bunched points would go; recomputed after f1=1 goes, 1.05 has
    // 1.1 and f1=3 (0.9) goes instead.
    expect(survivors(points.flat(), 7, 2, 4)).toEqual([0, 2, 3, 5]);
  });
});

describe('indicators', () => {
  it('hypervolume equals inclusion–exclusion on random sets in 2, 3 and 4 objectives', () => {
    for (const m of [2, 3, 4]) {
      for (let seed = 0; seed < 4; seed++) {
        const points = randomPoints(100 * m + seed, 10, m);
        const reference = new Array(m).fill(0.9); // some points lie outside and must count for nothing
        expect(hypervolume(points, reference)).toBeCloseTo(inclusionExclusion(points, reference), 12);
      }
    }
  });

  it('hypervolume of one point is its box; of the DTLZ2 octant, fine samples approach 1.1³ − π/6', () => {
    expect(hypervolume([[0.25, 0.5, 0.75]], [1, 1, 1])).toBeCloseTo(0.75 * 0.5 * 0.25, 15);
    expect(hypervolume([], [1, 1])).toBe(0);
    const sphere = DTLZ2.trueFront();
    const volume = hypervolume(sphere, DTLZ2.reference);
    // The staircase under 861 points lies below the sphere: a little less than the true volume.
    expect(volume).toBeLessThan(DTLZ2.trueHypervolume);
    expect(volume).toBeGreaterThan(DTLZ2.trueHypervolume - 0.03);
  });

  it('IGD is zero on the reference set itself and the mean nearest distance otherwise', () => {
    const reference = [[0, 1], [0.5, 0.5], [1, 0]];
    expect(invertedGenerationalDistance(reference, reference)).toBe(0);
    expect(invertedGenerationalDistance([[0, 1]], reference)).toBeCloseTo((0 + Math.SQRT1_2 + Math.SQRT2) / 3, 15);
    expect(invertedGenerationalDistance([], reference)).toBe(Infinity);
  });
});

describe('GDE3 selection', () => {
  it('trial replaces a parent it weakly dominates, loses to one that dominates it, joins otherwise', () => {
    const gde3 = new GDE3({ dim: 2, popSize: 4, objectives: 2, seed: 'select', lower: 0, upper: 1 });
    const parents = gde3.ask().map((x) => x.slice());
    gde3.tell([[1, 4], [2, 3], [3, 2], [4, 4]]); // the last parent is dominated by the two before it
    const trials = gde3.ask().map((x) => x.slice());
    // Trial 0 equals its parent (weak dominance: replaces); trial 1 is dominated by its parent (dropped);
    // trial 2 and its parent are incomparable (both go on); trial 3 is dominated by its parent (dropped).
    gde3.tell([[1, 4], [2.5, 3.5], [3.5, 1.5], [5, 5]]);
    // Five members remain for four places: the dominated parent 3 is the one to go.
    expect(bits(gde3.population.vectors)).toEqual(bits([trials[0], parents[1], parents[2], trials[2]]));
    expect(gde3.population.objectives).toEqual([[1, 4], [2, 3], [3, 2], [3.5, 1.5]]);
    expect(gde3.front.objectives).toEqual([[1, 4], [2, 3], [3, 2], [3.5, 1.5]]);
  });

  it('counts NaN and infinite objectives as invalid, keeps them off the front, and goes on', () => {
    const gde3 = new GDE3({ dim: 30, popSize: 10, objectives: 2, seed: 3, lower: 0, upper: 1 });
    gde3.tell(gde3.ask().map((x, i) => (i === 0 ? [NaN, 0] : i === 1 ? [-Infinity, 1] : ZDT1.evaluate(x))));
    expect(gde3.invalidEvaluations).toBe(2);
    expect(gde3.population.objectives.slice(0, 2)).toEqual([[Infinity, Infinity], [Infinity, Infinity]]);
    expect(gde3.front.objectives.flat().every(Number.isFinite)).toBe(true);
    for (let g = 0; g < 5; g++) gde3.tell(gde3.ask().map(ZDT1.evaluate));
    expect(gde3.population.objectives.flat().every(Number.isFinite)).toBe(true);
  });
});

/**
 * Quality at the customary budget for these problems: population 100, 25,000 evaluations (Deb et al.
 * 2002 ran NSGA-II for 250 generations of 100 on ZDT). Published tables for this budget could not be
 * found here, so the bars come from the analytic true fronts instead: an "ideal" set of the same size,
 * evenly spread on the true front (100 points evenly spaced in f1 along ZDT's non-dominated curve; for
 * DTLZ2 the 91-point Das–Dennis lattice with 12 divisions on the sphere), gives the hypervolume and IGD
 * that a finite population can hope for (moo-problems.ts holds the true fronts' hypervolume: 0.1 + 2/3 +
 * 0.11 for ZDT1, 0.1 + 1/3 + 0.11 for ZDT2, quadrature for ZDT3, 1.1³ − π/6 for DTLZ2, reference 1.1 in
 * every objective). Tolerances: on two objectives within 1 % of the ideal set's hypervolume and 1.5x its
 * IGD, which a population that has converged (g within about 1e-3 of 1) and spread by crowding distance
 * meets, and one stuck short of the front or missing a piece of ZDT3 does not. On three objectives
 * crowding distance spreads points unevenly (Kukkonen & Deb 2006), and pymoo's NSGA-II reaches 94–95 %
 * of the lattice's hypervolume at this budget (measured, BENCHMARKS.md): the bar is 93 % and 1.5x IGD.
 */
describe('GDE3 on ZDT1–3 and DTLZ2 against their true fronts', () => {
  function idealSet(problem: MooProblem, front: number[][]): number[][] {
    if (problem.objectives === 2) return Array.from({ length: 100 }, (_, k) => front[Math.round((k * (front.length - 1)) / 99)]);
    const divisions = 12;
    const lattice: number[][] = [];
    for (let i = 0; i <= divisions; i++) {
      for (let j = 0; j <= divisions - i; j++) {
        const w = [i, j, divisions - i - j];
        lattice.push(w.map((v) => v / Math.hypot(...w)));
      }
    }
    return lattice;
  }

  for (const problem of [ZDT1, ZDT2, ZDT3, DTLZ2]) {
    it(`${problem.name}: hypervolume and IGD near an ideal set of the same size`, () => {
      const gde3 = new GDE3({ dim: problem.dim, popSize: 100, objectives: problem.objectives, seed: 1, lower: 0, upper: 1, stop: { maxEvaluations: 25_000 } });
      while (!gde3.stopReason()) gde3.tell(gde3.ask().map(problem.evaluate));
      expect(gde3.evaluations).toBe(25_000);
      const front = gde3.front.objectives;
      const trueFront = problem.trueFront();
      const ideal = idealSet(problem, trueFront);
      const hv = hypervolume(front, problem.reference);
      const idealHv = hypervolume(ideal, problem.reference);
      expect(idealHv).toBeLessThan(problem.trueHypervolume);
      expect(hv).toBeLessThan(problem.trueHypervolume);
      expect(hv).toBeGreaterThan((problem.objectives === 2 ? 0.99 : 0.93) * idealHv);
      expect(invertedGenerationalDistance(front, trueFront)).toBeLessThan(1.5 * invertedGenerationalDistance(ideal, trueFront));
      expect(front.length).toBeGreaterThan(50);
    });
  }
});

describe('GDE3 runs', () => {
  const base: GDE3Options = { dim: 30, popSize: 20, objectives: 2, seed: 7, lower: 0, upper: 1 };
  const run = (gde3: GDE3, generations: number) => {
    for (let g = 0; g < generations; g++) gde3.tell(gde3.ask().map(ZDT3.evaluate));
  };

  it('the same seed gives bit-identical populations; another seed does not', () => {
    const [a, b, c] = [base, base, { ...base, seed: 8 }].map((options) => new GDE3(options));
    for (const gde3 of [a, b, c]) run(gde3, 15);
    expect(bits(a.ask())).toEqual(bits(b.ask()));
    expect(a.population.objectives).toEqual(b.population.objectives);
    expect(bits(a.ask())).not.toEqual(bits(c.ask()));
  });

  for (const strategy of ['rand/1/bin', 'rand/2/exp'] as GDE3Strategy[]) {
    it(`${strategy}: a run resumed from JSON mid-run ends bit-identical to an uninterrupted one`, () => {
      const options = { ...base, strategy };
      const uninterrupted = new GDE3(options, 0);
      run(uninterrupted, 30);
      const first = new GDE3(options, 0);
      run(first, 12);
      first.ask(); // checkpoint with candidates pending: the resumed run must score the same ones
      const json = JSON.stringify(first);
      const resumed = GDE3.fromJSON(JSON.parse(json));
      expect(JSON.stringify(resumed)).toBe(json);
      run(resumed, 18);
      expect(bits(resumed.population.vectors)).toEqual(bits(uninterrupted.population.vectors));
      expect(resumed.population.objectives).toEqual(uninterrupted.population.objectives);
      expect(resumed.generation).toBe(30);
      expect(JSON.stringify(resumed)).toBe(JSON.stringify(uninterrupted));
    });
  }

  it('stops on its budget and keeps candidates inside the bounds', () => {
    const gde3 = new GDE3({ ...base, lower: 0.25, upper: 0.5, stop: { maxEvaluations: 210 } }, 0);
    while (!gde3.stopReason(0)) {
      const candidates = gde3.ask();
      candidates.forEach((x) => x.forEach((v) => expect(v >= 0.25 && v <= 0.5).toBe(true)));
      gde3.tell(candidates.map(ZDT1.evaluate));
    }
    expect([gde3.stopReason(0), gde3.evaluations]).toEqual(['max-evaluations', 200]);
    const clock = new GDE3({ ...base, stop: { maxWallMs: 1000 } }, 5000);
    expect([clock.stopReason(5999), clock.stopReason(6000)]).toEqual([null, 'wall-clock']);
  });

  it('rejects bad options, tells and checkpoints with one-line user errors', () => {
    const bad: Partial<GDE3Options>[] = [
      { objectives: 0 },
      { strategy: 'best/1/bin' as GDE3Strategy },
      { stop: { targetFitness: 0 } as GDE3Options['stop'] },
      { CR: 2 },
      { popSize: 3 },
    ];
    for (const options of bad) expect(() => new GDE3({ ...base, ...options })).toThrow(UserError);
    const gde3 = new GDE3(base);
    expect(() => gde3.tell([])).toThrow(/without a pending ask/);
    const candidates = gde3.ask();
    expect(() => gde3.tell(candidates.map(() => [1]))).toThrow(/1 objectives for candidate 0, expected 2/);
    expect(() => gde3.tell([[1, 2]])).toThrow(/expected 20/);
    expect(() => GDE3.fromJSON({ format: 'cultune-de', version: 1 })).toThrow(UserError);
    const snapshot = JSON.parse(JSON.stringify(gde3));
    snapshot.params.objectives = 3;
    expect(() => GDE3.fromJSON(snapshot)).toThrow(/inconsistent/);
  });
});
