import { askedInstrument, type AnyEvalRecord, type EvalRecord } from '../eval/eval-record.ts';
import { describeFormat, describeSplit, instrumentNamed } from '../instruments/index.ts';
import { describeSetAside } from '../util/set-aside.ts';
import { alignColumns, fixed, withInterval } from './format.ts';
import { lossCell } from './statistics-tables.ts';

/** Where the loss's interval comes from, or why there is none. */
function intervalSource(record: EvalRecord): string {
  const intervals = record.intervals;
  if (!intervals) return ' (no interval: the instrument has no per-unit breakdown)';
  if (intervals.units < 2) return ` (no interval: one ${intervals.unit} only)`;
  return ` (95% bootstrap over ${intervals.units} ${intervals.unit}s, ${intervals.samples} resamples)`;
}

/** The short table `cultune eval` prints: the instrument's scores beside the target, the loss, CulturalBench. */
export function formatEvalRecord(record: AnyEvalRecord): string[] {
  const lines = [
    `${record.country.name}, condition ${record.condition}, format ${describeFormat(record.instrument.format)}${record.run ? ` (run ${record.run})` : ''}`,
    ...(askedInstrument(record) ? instrumentLines(record) : [`${instrumentNamed(record.instrument.name).title} not asked (--instruments culturalbench)`]),
  ];
  return [...lines, ...culturalBenchLines(record.culturalbench)];
}

/** The instrument's scores beside the target and its loss. */
function instrumentLines(record: EvalRecord): string[] {
  const { result } = record;
  const instrument = instrumentNamed(result.instrument);
  const columns = instrument.columns;
  return [
    ...alignColumns([
      [instrument.title, ...columns.map((c) => c.name)],
      ['model', ...columns.map((c) => fixed(result.scores[c.name], c.digits))],
      ['target', ...columns.map((c) => fixed(result.target[c.name], c.digits))],
    ]),
    `${instrument.title} loss (${result.loss.metric}${result.loss.missing.length > 0 ? `, without ${result.loss.missing.join(', ')}` : ''}; ${describeSplit(record.holdout)}): ${lossCell(record, 3)}${intervalSource(record)}`,
    // The training part's figure, apart: a prompt fitted to it reads better there than it generalises.
    ...(record.inSample ? [`${instrument.title} loss in-sample (the training part, not held out): ${fixed(record.inSample.loss.value, 3)}`] : []),
  ];
}

/** Easy and Hard with their intervals, or why CulturalBench is not there. */
function culturalBenchLines(cb: AnyEvalRecord['culturalbench']): string[] {
  if (!cb.available) return [cb.reason];
  return [
    `CulturalBench, ${cb.country} (${cb.questions.easy} Easy, ${cb.questions.hard} Hard questions${cb.limit === null ? '' : `, limit ${cb.limit}`}):`,
    `  Easy mean over rotations ${withInterval(cb.easy.mean)}, strict ${withInterval(cb.easy.strict)}`,
    `  Hard ${withInterval(cb.hard)}`,
    ...(cb.setAside && cb.setAside.length > 0 ? [`  ${describeSetAside(cb.setAside)}: listed under culturalbench.setAside`] : []),
  ];
}
