import type { BoundHandling } from './params.ts';
import type { RandomSource } from './random-source.ts';

/**
 * Brings every coordinate of `trial` back inside [lower, upper] (the parent is inside already):
 *   clip      set it to the violated bound;
 *   reflect   mirror it at the bound, repeatedly (a periodic fold), so it lands inside;
 *   resample  draw it uniformly between the parent's coordinate and the violated bound, which keeps
 *             the step direction without piling candidates on the boundary (JADE/SHADE use the midpoint,
 *             a special case of this).
 * `none` leaves the trial untouched.
 */
export function repairBounds(
  trial: Float32Array,
  parent: Float32Array,
  lower: Float32Array | null,
  upper: Float32Array | null,
  handling: BoundHandling,
  rng: RandomSource,
): void {
  if (handling === 'none' || !lower || !upper) return;
  for (let j = 0; j < trial.length; j++) {
    const value = trial[j];
    // The scan is the hot path; repairs are rare and kept out of line.
    if (value < lower[j] || value > upper[j]) trial[j] = repair(value, parent[j], lower[j], upper[j], handling, rng);
  }
}

function repair(value: number, parent: number, lo: number, hi: number, handling: BoundHandling, rng: RandomSource): number {
  const bound = value < lo ? lo : hi;
  switch (handling) {
    case 'clip':
      return bound;
    case 'reflect':
      return reflect(value, lo, hi);
    default:
      return parent + rng.uniform() * (bound - parent);
  }
}

function reflect(value: number, lo: number, hi: number): number {
  const width = hi - lo;
  if (!Number.isFinite(width)) return value < lo ? 2 * lo - value : 2 * hi - value;
  const folded = (((value - lo) % (2 * width)) + 2 * width) % (2 * width);
  return lo + (folded <= width ? folded : 2 * width - folded);
}
