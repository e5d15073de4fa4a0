import { repairCoordinate, type Box } from './bounds.ts';
import type { MutantTerms } from './mutation.ts';
import { MULBERRY32_STEP, mulberry32Uniform, type RandomSource } from '../util/seeded-random.ts';

/**
 * Writes one trial vector into `out`: the parent, except at the coordinates in the bit set `chosen`
 * (the crossover's choice, see crossover.ts), where it is the mutant, brought back into `box` if it left
 * it. The mutant is computed only where it is used, in one pass with the bound check; the parent's
 * coordinates are copied in bulk and need no check (the parent is inside).
 * A repair that needs a uniform draws it from a mulberry32 stream seeded by one 32-bit draw of `rng` (see
 * src/util/seeded-random.ts), one stream step per repaired coordinate, in coordinate order.
 */
export function buildTrial(
  out: Float32Array,
  parent: Float32Array,
  mutant: MutantTerms,
  chosen: Int32Array,
  box: Box,
  rng: RandomSource,
): void {
  out.set(parent);
  const { base, plus1, minus1, plus2, minus2 } = mutant;
  const { limits, repair } = box;
  // Unboxed locals: V8 would otherwise re-check and convert the fields on every coordinate.
  const scale1 = +mutant.scale1;
  const scale2 = +mutant.scale2;
  const step = MULBERRY32_STEP | 0;
  const words = chosen.length;
  let counter = rng.int32() | 0;
  for (let w = 0; w < words; w++) {
    let bits = chosen[w];
    while (bits !== 0) {
      // The lowest set bit, then clear it.
      const j = (w << 5) | (31 - Math.clz32(bits & -bits));
      bits &= bits - 1;
      let value = base[j] + scale1 * (plus1[j] - minus1[j]) + scale2 * (plus2[j] - minus2[j]);
      const lower = limits[2 * j];
      const upper = limits[2 * j + 1];
      if (value < lower || value > upper) {
        counter = (counter + step) | 0;
        value = repairCoordinate(value, parent[j], lower, upper, repair, mulberry32Uniform(counter));
      }
      out[j] = value;
    }
  }
}
