import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HuggingFaceTokenizer } from '../src/model/tokenizer.ts';
import { planRows, type ScoringRow } from '../src/model/scoring-plan.ts';
import { buildPrefixTree, type Segment } from '../src/model/prefix-tree.ts';
import { batchCost, nextBatches, partitionBatches, passCost, type BatchLimits } from '../src/model/tree-schedule.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { FIXTURES } from './helpers/paths.ts';

const k = 3;

/** Three candidates' rows over the VSM 2013 prompts: a tree with a root per candidate. */
function populationRows(): ScoringRow[] {
  const tokenizer = HuggingFaceTokenizer.fromFolder(path.join(FIXTURES, 'llama-f32'));
  const { requests } = prepareInstrument(tokenizer, { instrument: VSM13, settings: VSM13.settings({ variants: '2' }) }, undefined);
  return [0, 1, 2].flatMap((c) => planRows(requests, { k, hidden: 1, data: new Float32Array(k) }, 'start', 1, c * k));
}

/** Every way to cut `order` into contiguous batches (2^(n-1) of them). */
function contiguousPartitions(order: number[]): number[][][] {
  if (order.length === 0) return [[]];
  const all: number[][][] = [];
  for (let first = 1; first <= order.length; first++) {
    for (const rest of contiguousPartitions(order.slice(first))) all.push([order.slice(0, first), ...rest]);
  }
  return all;
}

const widthOf = (s: Segment) => s.end - s.start;

describe('tree schedule', () => {
  const rows = populationRows();
  const tree = buildPrefixTree(rows, true);
  const smollm = { hidden: 576, layers: 30, heads: 9, kvHeads: 3, headDim: 64, vocab: 49152, intermediate: 1536 };
  const cost = passCost(smollm);
  const limits: BatchLimits = { tokensPerBatch: 4096, maxBatchRows: 64 };
  const leaves = tree.flatMap((s, i) => (s.children.length === 0 ? [i] : []));

  it('costs a run more than a position, and a cached key less than a position', () => {
    expect(cost.perRun).toBeGreaterThan(1);
    expect(cost.keysPerPosition).toBeGreaterThan(1);
    // A narrower model's weight products are cheaper next to the fixed cost of a run, a larger vocabulary dearer.
    expect(passCost({ ...smollm, hidden: 64, headDim: 8, intermediate: 172 }).perRun).toBeGreaterThan(cost.perRun);
    expect(passCost({ ...smollm, vocab: 128256 }).perRun).toBeGreaterThan(cost.perRun);
  });

  it('partitions ready segments into the cheapest contiguous batches of the width order, within the limits', () => {
    const some = leaves.filter((_, i) => i % 7 === 0).slice(0, 11);
    const tight: BatchLimits = { tokensPerBatch: 700, maxBatchRows: 4 };
    const batches = partitionBatches(some, tree, cost, tight);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([...some].sort((a, b) => a - b));
    for (const batch of batches) {
      const segments = batch.map((s) => tree[s]);
      const past = Math.max(...segments.map((s) => s.start));
      const width = Math.max(...segments.map(widthOf));
      expect(batch.length === 1 || (batch.length <= tight.maxBatchRows && batch.length * (past + width) <= tight.tokensPerBatch)).toBe(true);
    }
    const total = (partition: number[][]) => partition.reduce((sum, batch) => sum + batchCost(batch.map((s) => tree[s]), cost), 0);
    const order = batches.flat();
    expect(order.map((s) => widthOf(tree[s]))).toEqual(order.map((s) => widthOf(tree[s])).sort((a, b) => a - b));
    const feasible = contiguousPartitions(order).filter((partition) =>
      partition.every((batch) => {
        const past = Math.max(...batch.map((s) => tree[s].start));
        const width = Math.max(...batch.map((s) => widthOf(tree[s])));
        return batch.length === 1 || (batch.length <= tight.maxBatchRows && batch.length * (past + width) <= tight.tokensPerBatch);
      }),
    );
    const cheapest = Math.min(...feasible.map(total));
    expect(total(batches)).toBeCloseTo(cheapest, 6);
    expect(total(batches)).toBeLessThan(total(some.map((s) => [s])));
  });

  it('runs every segment once, after its parent, shared prefixes before the leaves they unlock while the leaf pool is small', () => {
    const ran = new Set<number>();
    let ready = tree.flatMap((s, i) => (s.parent < 0 ? [i] : []));
    let leafRuns = 0;
    while (ready.length > 0) {
      const batches = nextBatches(ready, tree, cost, limits);
      expect(batches.length).toBeGreaterThan(0);
      const inner = ready.filter((s) => tree[s].children.length > 0);
      for (const batch of batches) {
        const isLeafBatch = batch.every((s) => tree[s].children.length === 0);
        expect(isLeafBatch || batch.every((s) => tree[s].children.length > 0)).toBe(true);
        if (isLeafBatch) leafRuns++;
        else expect(batch.every((s) => tree[s].depth === Math.max(...inner.map((i) => tree[i].depth)))).toBe(true);
        for (const s of batch) {
          expect(ran.has(s)).toBe(false);
          if (tree[s].parent >= 0) expect(ran.has(tree[s].parent)).toBe(true);
          ran.add(s);
        }
      }
      const now = new Set(batches.flat());
      ready = ready.filter((s) => !now.has(s)).concat([...now].flatMap((s) => tree[s].children));
    }
    expect(ran.size).toBe(tree.length);
    // The pool gathers leaves across subtrees and candidates: far fewer leaf runs than subtrees.
    const parentsOfLeaves = new Set(leaves.map((s) => tree[s].parent));
    expect(leafRuns).toBeLessThan(parentsOfLeaves.size);
  });
});
