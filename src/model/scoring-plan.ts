import type { Placement, ScoreRequest, SoftPrompt } from './types.ts';
import { UserError } from '../util/errors.ts';

/**
 * Turns score requests into model rows. A row is one sequence (token ids with `soft.length` soft
 * vectors inserted at `soft.at`, read from row `soft.base` on of the soft-vector table), the positions
 * whose next-token distribution is read, the token ids read there, and which (position, token) pairs
 * add up to which option of which request.
 */
export interface ScoringRow {
  ids: number[];
  soft: { at: number; base: number; length: number };
  length: number;
  positions: number[];
  targets: number[];
  reads: { request: number; option: number; pairs: [positionIndex: number, targetIndex: number][] }[];
}

export function softInsertIndex(ids: number[], placement: Placement, bosTokenId: number | undefined, k: number): number {
  if (k === 0) return 0;
  if (placement === 'after-bos' && ids.length > 0 && ids[0] === bosTokenId) return 1;
  return 0;
}

/** Rows for the requests; the soft prompt's vectors sit at `softBase` in the soft-vector table. */
export function planRows(
  requests: ScoreRequest[],
  softPrompt: SoftPrompt | undefined,
  placement: Placement,
  bosTokenId: number | undefined,
  softBase = 0,
): ScoringRow[] {
  const k = softPrompt?.k ?? 0;
  const rows: ScoringRow[] = [];
  requests.forEach((request, r) => {
    if (request.options.length === 0) throw new UserError(`request ${r} has no options to score`);
    if (request.options.some((o) => o.length === 0)) throw new UserError(`request ${r} has an option with no tokens`);
    if (request.ids.length + k === 0) throw new UserError(`request ${r} has an empty prompt and no soft prompt`);
    const soft = { at: softInsertIndex(request.ids, placement, bosTokenId, k), base: softBase, length: k };
    const promptLength = request.ids.length + k;
    if (request.options.every((o) => o.length === 1)) {
      const targets = [...new Set(request.options.map((o) => o[0]))];
      const targetIndex = new Map(targets.map((t, i) => [t, i]));
      rows.push({
        ids: request.ids,
        soft,
        length: promptLength,
        positions: [promptLength - 1],
        targets,
        reads: request.options.map((o, option) => ({ request: r, option, pairs: [[0, targetIndex.get(o[0])!]] })),
      });
      return;
    }
    request.options.forEach((option, o) => {
      rows.push({
        ids: [...request.ids, ...option.slice(0, -1)],
        soft,
        length: promptLength + option.length - 1,
        positions: option.map((_, j) => promptLength - 1 + j),
        targets: option,
        reads: [{ request: r, option: o, pairs: option.map((_, j) => [j, j] as [number, number]) }],
      });
    });
  });
  return rows;
}

/** Token at full-sequence position p of a row: a token id, or -(v+1) for row v of the soft-vector table. */
export function virtualToken(row: Pick<ScoringRow, 'ids' | 'soft'>, p: number): number {
  const { at, base, length } = row.soft;
  if (p < at) return row.ids[p];
  if (p < at + length) return -(base + p - at + 1);
  return row.ids[p - length];
}

/** Groups rows (sorted by length, so padding stays small) into batches of at most `tokenBudget` padded tokens. */
export function batchRows(rows: ScoringRow[], prefixLength: number, tokenBudget: number, maxBatch: number): ScoringRow[][] {
  const sorted = [...rows].sort((a, b) => a.length - b.length);
  const batches: ScoringRow[][] = [];
  let current: ScoringRow[] = [];
  for (const row of sorted) {
    // Rows are sorted by length, so this row is the widest of the batch so far.
    const width = row.length - prefixLength;
    if (current.length > 0 && ((current.length + 1) * width > tokenBudget || current.length >= maxBatch)) {
      batches.push(current);
      current = [];
    }
    current.push(row);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
