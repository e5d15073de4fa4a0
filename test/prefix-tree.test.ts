import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HuggingFaceTokenizer } from '../src/model/tokenizer.ts';
import { planRows, virtualToken, type ScoringRow } from '../src/model/scoring-plan.ts';
import { ancestorsOf, buildPrefixTree, type Segment } from '../src/model/prefix-tree.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { FIXTURES } from './helpers/paths.ts';

/** The VSM 2013 requests of the default settings, as training builds them. */
const vsm13Requests = (tokenizer: Parameters<typeof prepareInstrument>[0]) => prepareInstrument(tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined).requests;

const k = 3;
const soft = { k, hidden: 1, data: new Float32Array(k) };

function surveyRows(): ScoringRow[] {
  const tokenizer = HuggingFaceTokenizer.fromFolder(path.join(FIXTURES, 'llama-f32'));
  const requests = vsm13Requests(tokenizer);
  const handMade = [
    { ids: [1, 5, 6, 7], options: [[8, 9], [10]] },
    { ids: [1, 5, 6, 7], options: [[8], [11]] },
    { ids: [1, 5, 6], options: [[7], [12]] },
    { ids: [1, 5, 6, 7], options: [[8], [11]] },
    { ids: [2], options: [[3]] },
  ];
  return planRows([...requests, ...handMade], soft, 'start', 1);
}

const tokensOf = (row: ScoringRow) => Array.from({ length: row.length }, (_, p) => virtualToken(row, p));

/** The segment holding a row's last position, found through the reads and row ends. */
function pathOf(tree: Segment[], rows: ScoringRow[], r: number): number[] {
  const last = tree.findIndex((s) => s.reads.some((read) => read.row === r && rows[r].positions[read.positionIndex] === rows[r].length - 1));
  return [...ancestorsOf(tree, last), last];
}

function distinctPrefixes(rows: ScoringRow[]): number {
  const distinct = new Set<string>();
  for (const row of rows) {
    const tokens = tokensOf(row);
    for (let n = 1; n <= tokens.length; n++) distinct.add(tokens.slice(0, n).join(','));
  }
  return distinct.size;
}

const positionsOf = (tree: Segment[]) => tree.reduce((sum, s) => sum + s.end - s.start, 0);

describe('prefix tree', () => {
  const rows = surveyRows();

  it('computes every distinct prefix exactly once', () => {
    expect(positionsOf(buildPrefixTree(rows, true))).toBe(distinctPrefixes(rows));
  });

  it('leaves a shared run to its branches when (branches - 1) x length is within the recompute budget, and no other', () => {
    const recompute = 12;
    const exact = buildPrefixTree(rows, true);
    const short = exact.filter(
      (s) => s.children.length > 0 && s.rowsEnding === 0 && s.reads.length === 0 && (s.children.length - 1) * (s.end - s.start) <= recompute,
    );
    expect(short.length).toBeGreaterThan(0);
    const tree = buildPrefixTree(rows, true, recompute);
    expect(tree.length).toBeLessThan(exact.length);
    for (const s of tree.filter((s) => s.children.length > 0 && s.rowsEnding === 0 && s.reads.length === 0)) {
      expect((s.children.length - 1) * (s.end - s.start)).toBeGreaterThan(recompute);
    }
    expect(positionsOf(tree)).toBeGreaterThan(distinctPrefixes(rows));
  });

  it('without sharing, every row is its own segment', () => {
    const plain = buildPrefixTree(rows, false);
    expect(plain.map((s) => [s.start, s.end, s.parent])).toEqual(rows.map((row) => [0, row.length, -1]));
  });
});

describe.each([0, 12])('prefix tree recomputing shared runs worth up to %i positions', (recompute) => {
  const rows = surveyRows();
  const tree = buildPrefixTree(rows, true, recompute);

  it('lays each row out as a chain of segments from position 0 holding its tokens', () => {
    rows.forEach((row, r) => {
      const chain = pathOf(tree, rows, r);
      let position = 0;
      for (const s of chain) {
        expect(tree[s].start).toBe(position);
        const segmentTokens = tokensOf(rows[tree[s].row]).slice(tree[s].start, tree[s].end);
        expect(segmentTokens).toEqual(tokensOf(row).slice(tree[s].start, tree[s].end));
        position = tree[s].end;
      }
      expect(position).toBe(row.length);
    });
  });

  it('reads every scored position of every row once, in the segment that holds it', () => {
    const seen = rows.map((row) => new Array<number>(row.positions.length).fill(0));
    for (const s of tree) {
      for (const read of s.reads) {
        seen[read.row][read.positionIndex]++;
        expect(s.start + read.offset).toBe(rows[read.row].positions[read.positionIndex]);
        expect(pathOf(tree, rows, read.row)).toContain(tree.indexOf(s));
      }
    }
    for (const counts of seen) expect(counts.every((c) => c === 1)).toBe(true);
    expect(tree.reduce((sum, s) => sum + s.rowsEnding, 0)).toBe(rows.length);
  });

  it('lists parents before children, and depth counts the ancestors', () => {
    tree.forEach((s, i) => {
      expect(s.parent).toBeLessThan(i);
      expect(s.depth).toBe(ancestorsOf(tree, i).length);
      if (s.parent >= 0) expect(tree[s.parent].end).toBe(s.start);
    });
  });
});
