import type { Interval } from '../eval/eval-record.ts';
import { instrumentDisplay } from './columns.ts';
import { fixed, withInterval } from './format.ts';
import { comparisonRows, intervalColumns, lossCell } from './statistics-tables.ts';
import { instrumentsOf, MIN_RANK_COUNTRIES, type ReportData, type ReportRow } from './report-data.ts';
import { MIN_MACRO_COUNTRIES } from './macro-average.ts';
import { REGIME_NOTE, regimeSummaries, regimeTables } from './regime-table.ts';

/** The flat record of one row: what report.csv holds, column by column, and report.json repeats. */
export function flatRow(row: ReportRow): Record<string, string | number | null> {
  const { result, culturalbench: cb } = row.record;
  const interval = (name: string, value: Interval | undefined) => ({
    [name]: value?.value ?? null,
    [`${name}_lo`]: value?.ci95[0] ?? null,
    [`${name}_hi`]: value?.ci95[1] ?? null,
  });
  const names = Object.keys(result.scores);
  return {
    folder: row.folder,
    country: row.country,
    condition: row.condition,
    instrument: row.instrument,
    format: row.format,
    loss: result.loss.value,
    metric: result.loss.metric,
    ...intervalColumns(row.record),
    // What `loss` and the scores are on; the training part's loss stands apart.
    split: splitLabel(row),
    in_sample_loss: row.record.inSample?.loss.value ?? null,
    ...Object.fromEntries(names.map((n) => [`loss_${n}`, result.loss.perScore[n] ?? null])),
    ...Object.fromEntries(names.map((n) => [`model_${n}`, result.scores[n]])),
    ...Object.fromEntries(names.map((n) => [`target_${n}`, result.target[n] ?? null])),
    ...interval('easy_mean', cb.available ? cb.easy.mean : undefined),
    ...interval('easy_strict', cb.available ? cb.easy.strict : undefined),
    ...interval('hard', cb.available ? cb.hard : undefined),
    cb_easy_questions: cb.available ? cb.questions.easy : null,
    cb_hard_questions: cb.available ? cb.questions.hard : null,
  };
}

/** What a row's figures are on: the run's held-out part, or everything (no split: in-sample). */
function splitLabel(row: ReportRow): string {
  return row.record.holdout ? 'held-out' : 'in-sample (no split)';
}

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Full-precision numbers, empty cells where a value is missing; rows of several instruments share one header (the union of their columns). */
export function reportCsv(data: ReportData): string {
  const records = data.rows.map(flatRow);
  if (records.length === 0) return '';
  const header = [...new Set(records.flatMap((r) => Object.keys(r)))];
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

/**
 * The C-free figure beside a loss: Kendall's tau-b between the model's and the published scores across
 * the report's countries under the same instrument and condition, averaged over the instrument's
 * scores. A loss depends on the scale (VSM 2013's constants C shift each dimension); ranks do not.
 */
function rankBesideLoss(data: ReportData, instrument: string, condition: string): string {
  const agreements = data.rankAgreement.filter((a) => a.instrument === instrument && a.condition === condition && Number.isFinite(a.kendallTauB));
  if (agreements.length === 0) return `n/a (needs ${MIN_RANK_COUNTRIES} countries)`;
  const mean = agreements.reduce((sum, a) => sum + a.kendallTauB, 0) / agreements.length;
  return `${fixed(mean, 3)} (${Math.max(...agreements.map((a) => a.countries.length))} countries)`;
}

/** What the paired-test tables hold, said once above them (docs/statistics.md has the details). */
export const PAIRED_TESTS_NOTE =
  'Loss of the first condition minus the second on the same questions or respondents: negative means the first is closer to the target. Interval: paired percentile bootstrap (95 %); p: two-sided permutation test exchanging the two conditions within each unit.';

export const RANK_AGREEMENT_MISSING = 'Rank agreement needs at least 3 countries evaluated under the same condition.';

/** One country's table for one instrument: its scores beside CulturalBench. */
export interface CountryTable {
  country: string;
  instrument: string;
  title: string;
  table: string[];
}

/** What the macro-average table holds, said once above it. */
export const MACRO_AVERAGE_NOTE = `The loss averaged over countries (each once), as the instrument's paper summarises it; interval: percentile bootstrap over countries (95 %), from ${MIN_MACRO_COUNTRIES} countries.`;

/** The macro averages, one row per instrument, format and condition; null where no instrument declares one. */
function macroAverageTable(data: ReportData): string[] | null {
  if (data.macroAverages.length === 0) return null;
  return markdownTable(
    ['instrument', 'format', 'condition', 'countries', 'mean loss [95% CI]', 'source'],
    data.macroAverages.map((m) => [instrumentDisplay(m.instrument, data.rows).title, m.format, m.condition, String(m.countries.length), withInterval(m.loss, 3), m.source]),
  );
}

/** The tables both report.md and report.html show, as Markdown lines. */
export function reportMarkdownTables(data: ReportData): {
  countries: CountryTable[];
  regimes: CountryTable[];
  tasks: string[] | null;
  pairedTests: PairedTestTable[];
  macroAverages: string[] | null;
  rankAgreement: string[] | null;
  rankAgreementMissing: string;
} {
  const countries = [...new Set(data.rows.map((r) => r.country))].flatMap((country) => {
    const rows = data.rows.filter((r) => r.country === country);
    return instrumentsOf(rows).map((instrument) => {
      const { title, columns } = instrumentDisplay(instrument, data.rows);
      return {
        country,
        instrument,
        title,
        table: markdownTable(
          ['folder', 'condition', 'format', 'questions', `${title} loss [95% CI]`, 'rank agreement tau-b (C-free)', 'in-sample loss', ...columns.map((c) => `${c.name} model / target`), 'CB Easy mean [95% CI]', 'CB Easy strict [95% CI]', 'CB Hard [95% CI]'],
          rows
            .filter((r) => r.instrument === instrument)
            .map((r) => [
              r.folder,
              r.condition,
              r.format,
              splitLabel(r),
              lossCell(r.record, 2),
              rankBesideLoss(data, instrument, r.condition),
              r.record.inSample ? fixed(r.record.inSample.loss.value, 2) : '',
              ...columns.map((c) => `${fixed(r.record.result.scores[c.name], c.digits)} / ${fixed(r.record.result.target[c.name], c.digits)}`),
              ...cultureCells(r),
            ]),
        ),
      };
    });
  });
  const rankAgreement =
    data.rankAgreement.length === 0
      ? null
      : markdownTable(
          ['instrument', 'condition', 'score', 'countries', 'Kendall tau-b', 'Spearman rho'],
          data.rankAgreement.map((a) => [a.instrument, a.condition, a.score, String(a.countries.length), fixed(a.kendallTauB, 3), fixed(a.spearmanRho, 3)]),
        );
  const regimes = [...regimeSummaries(data), ...regimeTables(data)].map((t) => ({ country: t.country, instrument: t.instrument, title: t.title, table: markdownTable(t.header, t.rows) }));
  return { countries, regimes, tasks: taskTable(data), pairedTests: pairedTestTables(data), macroAverages: macroAverageTable(data), rankAgreement, rankAgreementMissing: RANK_AGREEMENT_MISSING };
}

/**
 * The registered tasks' outcomes (src/eval/tasks.ts), a row per record, task and score; null where no
 * record asked one, so reports without them are unchanged.
 */
function taskTable(data: ReportData): string[] | null {
  const rows = data.rows.flatMap((r) =>
    Object.entries(r.record.tasks ?? {}).flatMap(([task, outcome]) =>
      outcome.available
        ? Object.entries(outcome.scores).map(([score, value]) => [r.folder, r.country, r.condition, task, String(outcome.questions), score, withInterval(value)])
        : [[r.folder, r.country, r.condition, task, '', '', outcome.reason]],
    ),
  );
  return rows.length === 0 ? null : markdownTable(['folder', 'country', 'condition', 'task', 'questions', 'score', 'value [95% CI]'], rows);
}

/** One instrument's paired tests between conditions, as Markdown lines. */
export interface PairedTestTable {
  instrument: string;
  title: string;
  table: string[];
}

function pairedTestTables(data: ReportData): PairedTestTable[] {
  return instrumentsOf(data.rows).flatMap((instrument) => {
    const comparisons = data.comparisons.filter((c) => c.instrument === instrument);
    if (comparisons.length === 0) return [];
    const { title } = instrumentDisplay(instrument, data.rows);
    const { header, rows } = comparisonRows(comparisons, 3);
    return [{ instrument, title, table: markdownTable(header, rows) }];
  });
}

export function reportMarkdown(data: ReportData): string {
  const tables = reportMarkdownTables(data);
  const lines = ['# cultune report', ''];
  let country: string | undefined;
  for (const t of tables.countries) {
    if (t.country !== country) lines.push(`## ${t.country}`, '');
    country = t.country;
    lines.push(`### ${t.title}`, '', ...t.table, '');
  }
  if (tables.tasks) lines.push('## Other tasks', '', ...tables.tasks, '');
  if (tables.regimes.length > 0) lines.push('## Regimes: none, persona, programmed, soft prompt', '', REGIME_NOTE, '');
  for (const t of tables.regimes) lines.push(`### ${t.country}: ${t.title}`, '', ...t.table, '');
  if (tables.pairedTests.length > 0) lines.push('## Paired tests between conditions', '', PAIRED_TESTS_NOTE, '');
  for (const t of tables.pairedTests) lines.push(`### ${t.title}`, '', ...t.table, '');
  if (tables.macroAverages) lines.push('## Macro average over countries', '', MACRO_AVERAGE_NOTE, '', ...tables.macroAverages, '');
  lines.push('## Rank agreement across countries', '', ...(tables.rankAgreement ?? [tables.rankAgreementMissing]), '');
  if (data.notes.length > 0) lines.push('## Notes', '', ...data.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
