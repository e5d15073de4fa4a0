import type { EvalCondition } from '../eval/conditions.ts';
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

/**
 * Per instrument with a programmed condition, the regimes' mean loss over the countries the program
 * trained on and over those it held out (seed 000 reports both): each mean over the countries of that
 * role that have the regime, the first folder per country, with how many countries it covers.
 */
export function regimeSummaries(data: ReportData): RegimeTable[] {
  const programmed = data.rows.filter((r) => r.record.program !== undefined);
  const instruments = [...new Set(programmed.map((r) => r.instrument))];
  return instruments.map((instrument) => {
    const { title } = instrumentDisplay(instrument, data.rows);
    const roleOf = new Map<string, string>();
    for (const r of programmed) if (r.instrument === instrument && !roleOf.has(r.country)) roleOf.set(r.country, r.record.program!.country);
    const roles = ['train', 'held-out', 'other'].filter((role) => [...roleOf.values()].includes(role));
    const rows = REGIMES.flatMap((regime) => {
      const firstPerCountry = new Map<string, number>();
      for (const r of data.rows) if (r.instrument === instrument && r.condition === regime && roleOf.has(r.country) && !firstPerCountry.has(r.country)) firstPerCountry.set(r.country, r.record.result.loss.value);
      if (firstPerCountry.size === 0) return [];
      const cells = roles.map((role) => {
        const losses = [...firstPerCountry].filter(([country]) => roleOf.get(country) === role).map(([, loss]) => loss);
        return losses.length === 0 ? '' : `${(losses.reduce((a, b) => a + b, 0) / losses.length).toFixed(3)} (${losses.length})`;
      });
      return [[regime, ...cells]];
    });
    return { country: 'all countries', instrument, title, header: ['regime', ...roles.map((role) => `mean ${title} loss, program's ${role} countries (n)`)], rows };
  });
}
