import { UserError } from '../util/errors.ts';
import { DIMENSIONS, type Dimension, type DimensionScores, type PartialScores } from './dimensions.ts';

export type LossMetric = 'l1' | 'l2';

export interface Vsm13Loss {
  /** Mean of perDimension over usedDimensions. */
  loss: number;
  metric: LossMetric;
  /** |model - target| for l1, (model - target)^2 for l2, for each used dimension. */
  perDimension: PartialScores;
  /** model - target, signed, for each used dimension (which way a dimension is off). */
  difference: PartialScores;
  usedDimensions: Dimension[];
  /** Dimensions the target lacks: left out of the loss, and reports say so. */
  missing: Dimension[];
}

/**
 * The VSM13 loss: mean absolute difference over the target's dimensions (the soft-prompt paper's
 * L1 per dimension), or with `l2` the mean squared difference. Throws when the target has no dimension.
 */
export function vsm13Loss(indices: DimensionScores, target: PartialScores, options: { metric?: LossMetric } = {}): Vsm13Loss {
  const metric = options.metric ?? 'l1';
  const usedDimensions = DIMENSIONS.filter((d) => target[d] !== undefined);
  const missing = DIMENSIONS.filter((d) => target[d] === undefined);
  if (usedDimensions.length === 0) throw new UserError('the target has no dimension to compare with: nothing to compute a loss from');
  const difference: PartialScores = {};
  const perDimension: PartialScores = {};
  for (const d of usedDimensions) {
    const diff = indices[d] - (target[d] as number);
    difference[d] = diff;
    perDimension[d] = metric === 'l1' ? Math.abs(diff) : diff * diff;
  }
  const loss = usedDimensions.reduce((s, d) => s + (perDimension[d] as number), 0) / usedDimensions.length;
  return { loss, metric, perDimension, difference, usedDimensions, missing };
}
