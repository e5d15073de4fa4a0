import type { Interval } from '../eval/eval-record.ts';

/** A number with fixed decimals, "-" for a missing one; never "-0.0". */
export function fixed(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return (Number(value.toFixed(digits)) || 0).toFixed(digits);
}

/** An accuracy with its interval: "0.625 [0.375, 0.875]". */
export function withInterval(interval: Interval, digits = 3): string {
  if (interval.value === null) return '-';
  return `${fixed(interval.value, digits)} [${fixed(interval.ci95[0], digits)}, ${fixed(interval.ci95[1], digits)}]`;
}

/** Plain-text columns, each as wide as its widest cell; the first column left-aligned, the rest right. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

/** A duration as a reader wants it: "45 s", "12 min", "2 h 05 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
