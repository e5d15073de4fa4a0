import type { BoundHandling, DEParams } from './params.ts';

export type Repair = Exclude<BoundHandling, 'none'>;

/**
 * The box trials are held in. `limits` interleaves the bounds, [lower_0, upper_0, lower_1, upper_1, ...],
 * as float32 (exact, since bounds are float32 values): the trial loop then reads one array instead of
 * two, which V8 checks once per coordinate instead of twice. Infinite when trials are not confined (no
 * bounds, or handling `none`), so the loop treats every run the same way.
 */
export interface Box {
  limits: Float32Array;
  repair: Repair;
}

const boxes = new WeakMap<DEParams, Box>();

/** The run's box, built once per params record. */
export function boxOf(params: DEParams): Box {
  let box = boxes.get(params);
  if (!box) {
    const { dim, lower, upper, boundHandling } = params;
    const confined = boundHandling !== 'none' && lower && upper;
    const limits = new Float32Array(2 * dim);
    for (let j = 0; j < dim; j++) {
      limits[2 * j] = confined ? lower[j] : -Infinity;
      limits[2 * j + 1] = confined ? upper[j] : Infinity;
    }
    box = { limits, repair: confined ? boundHandling : 'clip' };
    boxes.set(params, box);
  }
  return box;
}

/**
 * A trial coordinate `value` outside [lo, hi], brought back inside (its parent's coordinate is inside):
 *   clip      the violated bound;
 *   reflect   mirrored at the bound, repeatedly (a periodic fold), so it lands inside;
 *   resample  drawn uniformly between the parent's coordinate and the violated bound, which keeps the
 *             step direction without piling candidates on the boundary (JADE/SHADE use the midpoint, a
 *             special case of this).
 * `u` is a uniform draw in [0, 1), used by resample only. The bounds are float32 values, so a result
 * inside them stays inside once stored as float32.
 */
export function repairCoordinate(value: number, parent: number, lo: number, hi: number, repair: Repair, u: number): number {
  const bound = value < lo ? lo : hi;
  // No switch: its implicit fall-through would make the result "number or undefined" to V8, boxing
  // every trial coordinate in the caller's loop.
  if (repair === 'clip') return bound;
  if (repair === 'reflect') return reflect(value, lo, hi);
  return parent + u * (bound - parent);
}

function reflect(value: number, lo: number, hi: number): number {
  const width = hi - lo;
  if (!Number.isFinite(width)) return value < lo ? 2 * lo - value : 2 * hi - value;
  const folded = (((value - lo) % (2 * width)) + 2 * width) % (2 * width);
  return lo + (folded <= width ? folded : 2 * width - folded);
}
