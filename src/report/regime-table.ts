import type { EvalCondition } from '../eval/eval-record.ts';
import { instrumentDisplay } from './columns.ts';
import type { ReportData, ReportRow } from './report-data.ts';
import { lossCell } from './statistics-tables.ts';

/**
 * Seed 000's three regimes (no conditioning, a persona, a programmed instruction) beside the soft prompt
 * and the instruction on top of it, in the order the table lists them.
 */
export const REGIMES: readonly EvalCondition[] = ['none', 'persona', 'programmed', 'soft', 'programmed+soft'];

export const REGIME_NOTE =
  'Each regime on the same instrument, country and questions. Spend: instrument evaluations (one per candidate and country, the unit train --budget counts); a program\'s search spends its evaluations over all its training countries at once. Program: whether the search saw this country (train), held it out, or never had it.';

/** A regime table: one country and instrument, the regimes it was evaluated under. */
export interface RegimeTable {
  country: string;
  instrument: string;
  title: string;
  header: string[];
  rows: string[][];
}

/** Instrument evaluations a soft prompt's training spent: its run's last generation record, where the folder is a run. */
function trainingSpend(data: ReportData, row: ReportRow): number | undefined {
  return data.curves.find((c) => c.folder === row.folder)?.history.at(-1)?.evaluations;
}

function spendCell(data: ReportData, row: ReportRow): string {
  const training = row.condition === 'soft' || row.condition === 'programmed+soft' ? trainingSpend(data, row) : undefined;
  const search = row.record.program;
  const parts = [
    ...(training !== undefined ? [`${training} training`] : []),
    ...(search ? [`${search.spend} search over ${search.trainCountries} countries`] : []),
  ];
  if (parts.length === 0) return row.condition === 'none' || row.condition === 'persona' ? '0' : 'unknown (not a run folder)';
  const total = (training ?? 0) + (search?.spend ?? 0);
  return parts.length === 1 ? parts[0] : `${total} (${parts.join(' + ')})`;
}

/**
 * Per country and instrument with a programmed condition: the regimes side by side with their loss and
 * what each spent. Empty when no programmed condition was evaluated, so reports without one are unchanged.
 */
export function regimeTables(data: ReportData): RegimeTable[] {
  const programmed = data.rows.filter((r) => r.record.program !== undefined);
  const groups = [...new Set(programmed.map((r) => JSON.stringify([r.country, r.instrument])))].map((key) => JSON.parse(key) as [string, string]);
  return groups.map(([country, instrument]) => {
    const { title } = instrumentDisplay(instrument, data.rows);
    const rows = REGIMES.flatMap((regime) => data.rows.filter((r) => r.country === country && r.instrument === instrument && r.condition === regime));
    return {
      country,
      instrument,
      title,
      header: ['regime', 'folder', 'format', `${title} loss [95% CI]`, 'split', 'program', 'spend (instrument evaluations)'],
      rows: rows.map((r) => [
        r.condition,
        r.folder,
        r.format,
        lossCell(r.record, 3),
        r.record.holdout ? 'held-out' : 'in-sample (no split)',
        r.record.program ? `${r.record.program.run}: ${r.record.program.country}` : '',
        spendCell(data, r),
      ]),
    };
  });
}
