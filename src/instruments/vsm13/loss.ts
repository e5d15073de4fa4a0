import { UserError } from '../../util/errors.ts';
import { DIMENSIONS, type DimensionScores, type PartialScores } from '../../targets/index.ts';
import type { InstrumentLoss } from '../types.ts';

export type LossMetric = 'l1' | 'l2';
export const LOSS_METRICS: readonly LossMetric[] = ['l1', 'l2'];

/**
 * The VSM13 loss: mean absolute difference over the target's dimensions (the soft-prompt paper's
 * L1 per dimension), or with `l2` the mean squared difference. Throws when the target has no dimension.
 */
export function vsm13Loss(indices: DimensionScores, target: PartialScores, options: { metric?: LossMetric } = {}): InstrumentLoss {
  const metric = options.metric ?? 'l1';
  const used = DIMENSIONS.filter((d) => target[d] !== undefined);
  const missing = DIMENSIONS.filter((d) => target[d] === undefined);
  if (used.length === 0) throw new UserError('the target has no dimension to compare with: nothing to compute a loss from');
  const difference: Record<string, number> = {};
  const perScore: Record<string, number> = {};
  for (const d of used) {
    const diff = indices[d] - (target[d] as number);
    difference[d] = diff;
    perScore[d] = metric === 'l1' ? Math.abs(diff) : diff * diff;
  }
  const value = used.reduce((s, d) => s + perScore[d], 0) / used.length;
  return { value, metric, perScore, difference, missing };
}
