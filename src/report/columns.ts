import { instruments, type ScoreColumn } from '../instruments/index.ts';
import { scoreNames, type ReportRow } from './report-data.ts';

/** How an instrument's records are shown: its title and score columns from the registry; for an instrument this build does not know, the names the records carry. */
export function instrumentDisplay(instrument: string, rows: readonly ReportRow[]): { title: string; columns: readonly ScoreColumn[] } {
  const known = instruments().find((i) => i.name === instrument);
  if (known) return { title: known.title, columns: known.columns };
  const names = scoreNames(rows.filter((r) => r.instrument === instrument));
  return { title: instrument, columns: names.map((name) => ({ name, title: name, digits: 2 })) };
}
