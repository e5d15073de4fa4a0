import { virtualToken, type ScoringRow } from './scoring-plan.ts';

/**
 * A run of positions [start, end) shared by every row in its subtree: the edge of a radix tree over
 * the rows' token sequences (soft-prompt vectors included). Computing each segment once, on top of
 * its ancestors' KV cache, computes every distinct prefix once; a row is the path from a root to the
 * segment holding its last position.
 */
export interface Segment {
  /** Index of the parent segment, -1 for a root (start 0). */
  parent: number;
  depth: number;
  start: number;
  end: number;
  /** A row that passes through the segment: its tokens at [start, end) are the segment's. */
  row: number;
  /** Scored positions inside the segment: row, index into row.positions, offset from start. */
  reads: { row: number; positionIndex: number; offset: number }[];
  children: number[];
  /** Rows whose last position lies in this segment (they are complete once it has run). */
  rowsEnding: number;
}

function compareRows(a: ScoringRow, b: ScoringRow): number {
  const n = Math.min(a.length, b.length);
  for (let p = 0; p < n; p++) {
    const diff = virtualToken(a, p) - virtualToken(b, p);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

function commonLength(a: ScoringRow, b: ScoringRow, from: number): number {
  const n = Math.min(a.length, b.length);
  let p = from;
  while (p < n && virtualToken(a, p) === virtualToken(b, p)) p++;
  return p;
}

/**
 * The radix tree over the rows, segments listed parents first. With `share` false every row is its
 * own root segment (the plain path: nothing computed once for several rows).
 *
 * A shared run that would cost more as a segment of its own than computed again by each branch (a
 * token or two where the rows part, e.g. the first digit of two questions' numbers) is left to the
 * branches: `recomputeTokens` is how many extra positions save one run, and a run of `length` tokens
 * that parts into `branches` subtrees is recomputed when (branches - 1) x length is at most that.
 * Runs holding a scored position or a row's end are always their own segment.
 */
export function buildPrefixTree(rows: ScoringRow[], share: boolean, recomputeTokens = 0): Segment[] {
  const segments: Segment[] = [];
  const addSegment = (group: number[], start: number, end: number, parent: number, depth: number): number => {
    const reads: Segment['reads'] = [];
    let rowsEnding = 0;
    for (const r of group) {
      const row = rows[r];
      row.positions.forEach((p, positionIndex) => {
        if (p >= start && p < end) reads.push({ row: r, positionIndex, offset: p - start });
      });
      if (row.length === end) rowsEnding++;
    }
    segments.push({ parent, depth, start, end, row: group[0], reads, children: [], rowsEnding });
    const index = segments.length - 1;
    if (parent >= 0) segments[parent].children.push(index);
    return index;
  };
  if (!share) {
    rows.forEach((row, r) => addSegment([r], 0, row.length, -1, 0));
    return segments;
  }

  // In lexicographic order the rows sharing a prefix are contiguous, and the prefix shared by a
  // contiguous group is the one its first and last rows share.
  const sorted = rows.map((_, r) => r).sort((a, b) => compareRows(rows[a], rows[b]) || a - b);
  /** The groups of rows that continue with the same token at `at` (rows are sorted, so each is contiguous). */
  const branchesAt = (group: number[], at: number): number[][] => {
    const branches: number[][] = [];
    let first = 0;
    for (let i = 1; i <= group.length; i++) {
      if (i === group.length || virtualToken(rows[group[i]], at) !== virtualToken(rows[group[first]], at)) {
        branches.push(group.slice(first, i));
        first = i;
      }
    }
    return branches;
  };
  const readsWithin = (group: number[], start: number, end: number) => group.some((r) => rows[r].positions.some((p) => p >= start && p < end));
  const grow = (group: number[], start: number, parent: number, depth: number): void => {
    const end = commonLength(rows[group[0]], rows[group[group.length - 1]], start);
    if (end === start) {
      for (const branch of branchesAt(group, end)) grow(branch, end, parent, depth);
      return;
    }
    const rest = group.filter((r) => rows[r].length > end);
    const branches = branchesAt(rest, end);
    if (rest.length === group.length && (branches.length - 1) * (end - start) <= recomputeTokens && !readsWithin(group, start, end)) {
      for (const branch of branches) grow(branch, start, parent, depth);
      return;
    }
    const below = addSegment(group, start, end, parent, depth);
    for (const branch of branches) grow(branch, end, below, depth + 1);
  };
  if (sorted.length > 0) grow(sorted, 0, -1, 0);
  return segments;
}

/** Indices of a segment's ancestors, root first. */
export function ancestorsOf(segments: readonly Segment[], index: number): number[] {
  const chain: number[] = [];
  for (let s = segments[index].parent; s >= 0; s = segments[s].parent) chain.push(s);
  return chain.reverse();
}
