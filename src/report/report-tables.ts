import { DIMENSIONS } from '../vsm13/dimensions.ts';
import type { Interval } from './eval-record.ts';
import { fixed, withInterval } from './format.ts';
import type { ReportData, ReportRow } from './report-data.ts';

/** The flat record of one row: what report.csv holds, column by column, and report.json repeats. */
export function flatRow(row: ReportRow): Record<string, string | number | null> {
  const { vsm13, culturalbench: cb } = row.record;
  const interval = (name: string, value: Interval | undefined) => ({
    [name]: value?.value ?? null,
    [`${name}_lo`]: value?.ci95[0] ?? null,
    [`${name}_hi`]: value?.ci95[1] ?? null,
  });
  return {
    folder: row.folder,
    country: row.country,
    condition: row.condition,
    vsm13_loss: vsm13.loss.loss,
    vsm13_metric: vsm13.loss.metric,
    ...Object.fromEntries(DIMENSIONS.map((d) => [`loss_${d}`, vsm13.loss.perDimension[d] ?? null])),
    ...Object.fromEntries(DIMENSIONS.map((d) => [`model_${d}`, vsm13.scores[d]])),
    ...Object.fromEntries(DIMENSIONS.map((d) => [`target_${d}`, vsm13.target[d] ?? null])),
    ...interval('easy_mean', cb.available ? cb.easy.mean : undefined),
    ...interval('easy_strict', cb.available ? cb.easy.strict : undefined),
    ...interval('hard', cb.available ? cb.hard : undefined),
    cb_easy_questions: cb.available ? cb.questions.easy : null,
    cb_hard_questions: cb.available ? cb.questions.hard : null,
  };
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Full-precision numbers, empty cells where a value is missing. */
export function reportCsv(data: ReportData): string {
  const records = data.rows.map(flatRow);
  if (records.length === 0) return '';
  const header = Object.keys(records[0]);
  return [header, ...records.map((r) => header.map((h) => r[h]))].map((cells) => cells.map(csvCell).join(',')).join('\n') + '\n';
}

function markdownTable(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function cultureCells(row: ReportRow): string[] {
  const cb = row.record.culturalbench;
  if (!cb.available) return ['n/a', 'n/a', 'n/a'];
  return [withInterval(cb.easy.mean), withInterval(cb.easy.strict), withInterval(cb.hard)];
}

export const RANK_AGREEMENT_MISSING = 'Rank agreement needs at least 3 countries evaluated under the same condition.';

/** The tables both report.md and report.html show, as Markdown lines. */
export function reportMarkdownTables(data: ReportData): { countries: { country: string; table: string[] }[]; rankAgreement: string[] | null; rankAgreementMissing: string } {
  const countries = [...new Set(data.rows.map((r) => r.country))].map((country) => ({
    country,
    table: markdownTable(
      ['folder', 'condition', 'VSM13 loss', ...DIMENSIONS.map((d) => `${d} model / target`), 'CB Easy mean [95% CI]', 'CB Easy strict [95% CI]', 'CB Hard [95% CI]'],
      data.rows
        .filter((r) => r.country === country)
        .map((r) => [
          r.folder,
          r.condition,
          fixed(r.record.vsm13.loss.loss, 2),
          ...DIMENSIONS.map((d) => `${fixed(r.record.vsm13.scores[d], 1)} / ${fixed(r.record.vsm13.target[d], 1)}`),
          ...cultureCells(r),
        ]),
    ),
  }));
  const rankAgreement =
    data.rankAgreement.length === 0
      ? null
      : markdownTable(
          ['condition', 'dimension', 'countries', 'Kendall tau-b', 'Spearman rho'],
          data.rankAgreement.map((a) => [a.condition, a.dimension, String(a.countries.length), fixed(a.kendallTauB, 3), fixed(a.spearmanRho, 3)]),
        );
  return { countries, rankAgreement, rankAgreementMissing: RANK_AGREEMENT_MISSING };
}

export function reportMarkdown(data: ReportData): string {
  const tables = reportMarkdownTables(data);
  const lines = ['# cultune report', ''];
  for (const { country, table } of tables.countries) lines.push(`## ${country}`, '', ...table, '');
  lines.push('## Rank agreement across countries', '', ...(tables.rankAgreement ?? [tables.rankAgreementMissing]), '');
  if (data.notes.length > 0) lines.push('## Notes', '', ...data.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
