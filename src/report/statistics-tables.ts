import type { ConditionComparison } from '../eval/condition-comparisons.ts';
import type { EvalRecord } from '../eval/eval-record.ts';
import { fixed } from './format.ts';

/** Shown where an eval file predates intervals (or one unit left nothing to resample). */
export const NO_INTERVAL = '—';

/** A number with its interval, "54.55 [54.10, 55.01]"; "54.55 [—]" without one. */
function valueWithBounds(value: number | null | undefined, bounds: [number | null, number | null] | undefined, digits: number): string {
  const hasBounds = bounds !== undefined && bounds[0] !== null && bounds[1] !== null;
  return `${fixed(value, digits)} [${hasBounds ? `${fixed(bounds[0], digits)}, ${fixed(bounds[1], digits)}` : NO_INTERVAL}]`;
}

/** The instrument loss with its bootstrap interval over units. */
export function lossCell(record: EvalRecord, digits: number): string {
  return valueWithBounds(record.result.loss.value, record.intervals?.loss.ci95, digits);
}

/** report.csv's interval columns of one eval record: empty where the file has no intervals. */
export function intervalColumns(record: EvalRecord): Record<string, string | number | null> {
  const intervals = record.intervals;
  return {
    loss_lo: intervals?.loss.ci95[0] ?? null,
    loss_hi: intervals?.loss.ci95[1] ?? null,
    interval_unit: intervals?.unit ?? null,
    interval_units: intervals?.units ?? null,
    ...Object.fromEntries(Object.keys(record.result.scores).flatMap((n) => [
      [`model_${n}_lo`, intervals?.scores[n]?.ci95[0] ?? null],
      [`model_${n}_hi`, intervals?.scores[n]?.ci95[1] ?? null],
    ])),
  };
}

/** The line a reader gets for eval files without intervals. */
export function missingIntervalsNote(folder: string, record: EvalRecord): string | undefined {
  if (record.intervals) return undefined;
  return `${folder}, ${record.condition}: intervals missing (${NO_INTERVAL}): the eval file was written before cultune recorded per-unit values; run cultune eval again for intervals and paired tests`;
}

/** "0.003", "< 0.001": a p as a table shows it. */
export function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** One comparison as a line of text (eval's output): "soft - none: -0.021 [-0.040, -0.003], p = 0.012 (10000 random exchanges, 100 questions)". */
export function comparisonLine(c: ConditionComparison, digits = 3): string {
  if (!c.test) return `${c.a} - ${c.b}: ${NO_INTERVAL} (${c.missing})`;
  const { test } = c;
  const how = test.exact ? `exact over all ${test.permutations} exchanges` : `${test.permutations} random exchanges`;
  return `${c.a} - ${c.b}: ${valueWithBounds(test.effect, test.ci95, digits)}, p = ${formatP(test.p)} (${how}, ${test.units} ${c.unit}s)`;
}

/** The paired-test table of one instrument: each comparison's loss difference, interval and p. */
export function comparisonRows(comparisons: readonly ConditionComparison[], digits: number): { header: string[]; rows: string[][] } {
  return {
    header: ['country', 'format', 'comparison', 'loss difference [95% CI]', 'p (two-sided)', 'permutation test', 'units'],
    rows: comparisons.map((c) => [
      c.country,
      c.format,
      `${c.a} - ${c.b}`,
      c.test ? valueWithBounds(c.test.effect, c.test.ci95, digits) : `${NO_INTERVAL} (${c.missing})`,
      c.test ? formatP(c.test.p) : NO_INTERVAL,
      c.test ? (c.test.exact ? `exact, ${c.test.permutations} exchanges` : `${c.test.permutations} random exchanges`) : NO_INTERVAL,
      c.test ? `${c.test.units} ${c.unit}s` : NO_INTERVAL,
    ]),
  };
}
