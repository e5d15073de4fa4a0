/**
 * Standard multi-objective test problems with known Pareto fronts: ZDT1–3 (Zitzler, Deb & Thiele 2000,
 * "Comparison of Multiobjective Evolutionary Algorithms: Empirical Results", Evolutionary Computation
 * 8(2):173–195) and DTLZ2 (Deb, Thiele, Laumanns & Zitzler 2002, "Scalable Multi-Objective Optimization
 * Test Problems", IEEE CEC 2002:825–830). All minimise, with variables in [0, 1].
 */
export interface MooProblem {
  name: string;
  dim: number;
  objectives: number;
  evaluate: (x: ArrayLike<number>) => number[];
  /** Points sampled on the true front (the reference set for IGD). */
  trueFront: () => number[][];
  /** The hypervolume of the whole true front against `reference`, computed analytically or by quadrature. */
  trueHypervolume: number;
  reference: number[];
}

function zdt(name: string, h: (f1: number, g: number) => number, frontF2: (f1: number) => number, exactHypervolume: number | null): MooProblem {
  const dim = 30;
  const reference = [1.1, 1.1];
  return {
    name,
    dim,
    objectives: 2,
    evaluate: (x) => {
      let sum = 0;
      for (let i = 1; i < dim; i++) sum += x[i];
      const g = 1 + (9 / (dim - 1)) * sum;
      return [x[0], g * h(x[0], g)];
    },
    trueFront: () => nonDominatedCurve(frontF2, 1000),
    // The region under the reference and above the front's running minimum, the strip beyond f1 = 1
    // included: ZDT1 ∫(0.1 + √f1) + 0.11 = 0.1 + 2/3 + 0.11, ZDT2 0.1 + 1/3 + 0.11, ZDT3 by quadrature.
    trueHypervolume: exactHypervolume ?? dominatedArea(frontF2, reference),
    reference,
  };
}

/** The curve f2(f1) on [0, 1] sampled at `n` points, dominated samples dropped (ZDT3's front is disconnected). */
function nonDominatedCurve(f2: (f1: number) => number, n: number): number[][] {
  const out: number[][] = [];
  let best = Infinity;
  // Dense sampling first, so the disconnected pieces' ends are found, then `n` points spread along it.
  const dense = 200_000;
  const kept: number[][] = [];
  for (let k = 0; k <= dense; k++) {
    const f1 = k / dense;
    const y = f2(f1);
    if (y < best) {
      best = y;
      kept.push([f1, y]);
    }
  }
  const step = (kept.length - 1) / (n - 1);
  for (let k = 0; k < n; k++) out.push(kept[Math.round(k * step)]);
  return out;
}

/** The area between the front's running minimum and the reference, by the midpoint rule on 2·10^6 strips. */
function dominatedArea(f2: (f1: number) => number, reference: number[]): number {
  const strips = 2_000_000;
  const width = reference[0] / strips;
  let best = Infinity;
  let area = 0;
  for (let k = 0; k < strips; k++) {
    const x = (k + 0.5) * width;
    if (x <= 1) best = Math.min(best, f2(x));
    area += (reference[1] - best) * width;
  }
  return area;
}

export const ZDT1 = zdt('ZDT1', (f1, g) => 1 - Math.sqrt(f1 / g), (f1) => 1 - Math.sqrt(f1), 0.1 + 2 / 3 + 0.11);
export const ZDT2 = zdt('ZDT2', (f1, g) => 1 - (f1 / g) ** 2, (f1) => 1 - f1 * f1, 0.1 + 1 / 3 + 0.11);
export const ZDT3 = zdt(
  'ZDT3',
  (f1, g) => 1 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10 * Math.PI * f1),
  (f1) => 1 - Math.sqrt(f1) - f1 * Math.sin(10 * Math.PI * f1),
  null,
);

/** DTLZ2 with 3 objectives and 12 variables (k = 10): the front is the unit sphere's positive octant. */
export const DTLZ2: MooProblem = {
  name: 'DTLZ2',
  dim: 12,
  objectives: 3,
  evaluate: (x) => {
    let g = 0;
    for (let i = 2; i < 12; i++) g += (x[i] - 0.5) ** 2;
    const a = (x[0] * Math.PI) / 2;
    const b = (x[1] * Math.PI) / 2;
    return [(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)];
  },
  // Das & Dennis (1998) simplex lattice with 40 divisions (861 points), projected onto the sphere.
  trueFront: () => {
    const divisions = 40;
    const out: number[][] = [];
    for (let i = 0; i <= divisions; i++) {
      for (let j = 0; j <= divisions - i; j++) {
        const w = [i, j, divisions - i - j];
        const norm = Math.hypot(...w);
        out.push(w.map((v) => v / norm));
      }
    }
    return out;
  },
  // The cube [0, 1.1]^3 less the octant of the unit ball (volume π/6) that the front bounds.
  trueHypervolume: 1.1 ** 3 - Math.PI / 6,
  reference: [1.1, 1.1, 1.1],
};
