import { type Interval } from '../eval/eval-record.ts';
import { recordConditions, type EvalCondition } from '../eval/conditions.ts';
import { instrumentNamed } from '../instruments/index.ts';
import { estimate } from '../stats/bootstrap.ts';
import type { ReportRow } from './report-data.ts';

/** Below this many countries the mean gets no interval: two countries give three distinct resamples. */
export const MIN_MACRO_COUNTRIES = 3;

/** An instrument's loss averaged over the report's countries under one condition and format, as its paper summarises it. */
export interface MacroAverage {
  instrument: string;
  condition: EvalCondition;
  format: string;
  countries: string[];
  /** The mean of the per-country losses, with a percentile bootstrap over countries (null bounds below MIN_MACRO_COUNTRIES). */
  loss: Interval;
  samples: number;
  seed: string;
  /** Who averages this way (Instrument.macroAverage). */
  source: string;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * Per instrument that declares a macro average, condition and format: the mean loss over countries
 * (each country once, its first folder's row), with a bootstrap interval resampling countries, seeded
 * by the first row's seed and resamples, so a rerun of the report gives the same numbers.
 */
export function macroAverages(rows: readonly ReportRow[]): MacroAverage[] {
  const groups = new Map<string, ReportRow[]>();
  for (const row of rows) {
    if (instrumentNamed(row.instrument).macroAverage === undefined) continue;
    const key = JSON.stringify([row.instrument, row.format, recordConditions().indexOf(row.condition)]);
    const group = groups.get(key) ?? [];
    if (!group.some((r) => r.country === row.country)) group.push(row);
    groups.set(key, group);
  }
  // In instrument, format and condition order (none, persona, soft, ...), whatever order the folders came in.
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, group]) => {
    const [{ instrument, condition, format, record }] = group;
    const { seed, bootstrap } = record.settings;
    const mean = estimate(
      group.map((r) => r.record.result.loss.value),
      seed,
      `macro:${instrument}:${format}:${condition}`,
      bootstrap,
    );
    const spread = group.length >= MIN_MACRO_COUNTRIES;
    return {
      instrument,
      condition,
      format,
      countries: group.map((r) => r.country),
      loss: { value: finite(mean.value), ci95: spread ? [finite(mean.ci95[0]), finite(mean.ci95[1])] : [null, null] },
      samples: bootstrap,
      seed,
      source: instrumentNamed(instrument).macroAverage!,
    };
  });
}
