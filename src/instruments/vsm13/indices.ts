import { mapDimensions, type Dimension, type DimensionScores } from '../../targets/index.ts';

/** One term weight * (m[plus] - m[minus]) of an index formula; item numbers are 1-based as in the manual. */
export interface IndexTerm {
  weight: number;
  plus: number;
  minus: number;
}

/** The index formulas of the VSM 2013 Manual (without the constants C). */
export const INDEX_FORMULAS: Record<Dimension, readonly [IndexTerm, IndexTerm]> = {
  PDI: [{ weight: 35, plus: 7, minus: 2 }, { weight: 25, plus: 20, minus: 23 }],
  IDV: [{ weight: 35, plus: 4, minus: 1 }, { weight: 35, plus: 9, minus: 6 }],
  MAS: [{ weight: 35, plus: 5, minus: 3 }, { weight: 35, plus: 8, minus: 10 }],
  UAI: [{ weight: 40, plus: 18, minus: 15 }, { weight: 25, plus: 21, minus: 24 }],
  LTO: [{ weight: 40, plus: 13, minus: 14 }, { weight: 25, plus: 19, minus: 22 }],
  IVR: [{ weight: 35, plus: 12, minus: 11 }, { weight: 40, plus: 17, minus: 16 }],
};

export const ITEM_COUNT = 24;

/**
 * The six indices from the 24 item means (itemMeans[0] is m01), each plus its constant C.
 * Pass zero constants for the raw indices that constants are computed from.
 */
export function computeIndices(itemMeans: readonly number[], constants: DimensionScores): DimensionScores {
  if (itemMeans.length !== ITEM_COUNT) {
    throw new Error(`computeIndices needs ${ITEM_COUNT} item means, got ${itemMeans.length}`);
  }
  const m = (item: number) => itemMeans[item - 1];
  return mapDimensions(
    (d) => INDEX_FORMULAS[d].reduce((sum, t) => sum + t.weight * (m(t.plus) - m(t.minus)), 0) + constants[d],
  );
}

/** The items each dimension reads, for reports ("PDI: 02, 07, 20, 23"). */
export function itemsOfDimension(dimension: Dimension): number[] {
  return INDEX_FORMULAS[dimension].flatMap((t) => [t.plus, t.minus]).sort((a, b) => a - b);
}
