import type { SetAsideItem } from '../util/set-aside.ts';
import type { Estimate } from '../stats/bootstrap.ts';
import type { Breakdown, CrossCell, EasyMethodSummary, GroupSummary } from './summary.ts';

const percent = (value: number) => (Number.isFinite(value) ? (value * 100).toFixed(1) : '-');

function withInterval(e: Estimate): string {
  return Number.isFinite(e.value) ? `${percent(e.value)} [${percent(e.ci95[0])}, ${percent(e.ci95[1])}]` : '-';
}

function easyCells(method: EasyMethodSummary | undefined): string[] {
  return method ? [withInterval(method.meanAccuracy), percent(method.strictAccuracy.value)] : ['-', '-'];
}

function row(label: string, group: GroupSummary): string[] {
  return [
    label,
    String(group.questions),
    ...easyCells(group.easy?.letter),
    ...easyCells(group.easy?.loglikelihood),
    group.hard ? withInterval(group.hard.accuracy) : '-',
  ];
}

function alignColumns(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

/** Accuracies in % with 95 % intervals: overall, then per region, then per country. */
export function formatBreakdown(breakdown: Breakdown): string {
  const header = ['group', 'n', 'Easy letter mean [95% CI]', 'strict', 'Easy text-LL mean [95% CI]', 'strict', 'Hard [95% CI]'];
  const rows = [
    header,
    row('overall', breakdown.overall),
    ...Object.entries(breakdown.byRegion).map(([region, g]) => row(`region: ${region}`, g)),
    ...Object.entries(breakdown.byCountry).map(([country, g]) => row(country, g)),
  ];
  return alignColumns(rows);
}

/** The --cross matrix as rows: whose persona/prompt, which country's questions, accuracies in %. */
export function formatCross(cells: readonly CrossCell[]): string {
  const rows = [
    ['asked as', 'questions about', 'n', 'Easy letter mean', 'Easy text-LL mean', 'Hard'],
    ...cells.map((c) => [c.conditioning, c.country, String(c.questions), percent(c.easyLetterMean), percent(c.easyLoglikelihoodMean), percent(c.hardAccuracy)]),
  ];
  return alignColumns(rows);
}

/** The JSON a run writes (docs/culturalbench.md, "Output JSON", describes every field). */
export interface CulturalBenchReport {
  command: 'culturalbench';
  createdAt: string;
  model: string;
  condition: { kind: 'none' } | { kind: 'persona'; style: string } | { kind: 'soft'; prompts: Record<string, string>; placement: string };
  country: string | null;
  limit: number | null;
  seed: string;
  bootstrapSamples: number;
  data: { kind: string; path: string; sha256: string; origin: string }[];
  /** Questions not asked, with the reason: defects of the files, and answers this model cannot tell apart. */
  setAside: SetAsideItem[];
  timing: { requests: number; seconds: number; questionsPerSecond: number };
  results: Breakdown;
  cross: CrossCell[] | null;
}
