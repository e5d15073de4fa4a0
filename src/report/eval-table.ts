import { DIMENSIONS } from '../vsm13/dimensions.ts';
import type { EvalRecord } from './eval-record.ts';
import { alignColumns, fixed, withInterval } from './format.ts';

/** The short table `cultune eval` prints. */
export function formatEvalRecord(record: EvalRecord): string[] {
  const { vsm13, culturalbench: cb } = record;
  const lines = [
    `${record.country.name}, condition ${record.condition}${record.run ? ` (run ${record.run})` : ''}`,
    ...alignColumns([
      ['VSM13', ...DIMENSIONS],
      ['model', ...DIMENSIONS.map((d) => fixed(vsm13.scores[d], 1))],
      ['target', ...DIMENSIONS.map((d) => fixed(vsm13.target[d], 1))],
    ]),
    `VSM13 loss (${vsm13.loss.metric.toUpperCase()}, ${vsm13.loss.usedDimensions.length} of 6 dimensions): ${fixed(vsm13.loss.loss, 3)}`,
  ];
  if (!cb.available) return [...lines, cb.reason];
  return [
    ...lines,
    `CulturalBench, ${cb.country} (${cb.questions.easy} Easy, ${cb.questions.hard} Hard questions${cb.limit === null ? '' : `, limit ${cb.limit}`}):`,
    `  Easy mean over rotations ${withInterval(cb.easy.mean)}, strict ${withInterval(cb.easy.strict)}`,
    `  Hard ${withInterval(cb.hard)}`,
  ];
}
