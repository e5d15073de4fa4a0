import { cheapestPartition } from './batch-partition.ts';
import type { ModelConfig } from './model-folder.ts';
import type { Segment } from './prefix-tree.ts';

/**
 * What one forward pass over a batch of segments costs, in positions (the weight matrix products of
 * one token through every layer are the unit). A batch pads every row to its widest segment and its
 * longest prefix, so `rows` segments, `width` wide after `past` cached positions, make
 * `rows x width` positions and attend `rows x width x (past + width)` query-key pairs; and whatever it
 * computes, a run pays `perRun`: it streams every weight from memory once (the LM head's too, for the
 * log-sum-exp at the scored positions) and dispatches every node.
 */
export interface PassCost {
  perRun: number;
  keysPerPosition: number;
}

export interface BatchLimits {
  /** Padded tokens per batch, rows x (prefix + segment): bounds the memory of one run. */
  tokensPerBatch: number;
  maxBatchRows: number;
}

/*
 * Measured in CPU time on 2 shared cores, SmolLM-135M shape: runs of 52 to 720 positions take about
 * 44 ms + 2.1 ms per position, ~11 ms of which per run in the LM head's log-sum-exp; 400 more cached
 * positions behind 16 x 60 positions ~+15 %. Tiny shape (hidden 64, 2 layers): 1.2 ms a run, ~0.016 ms
 * a position.
 */
/** Positions whose products cost as much as streaming the layers' weights once. */
const WEIGHT_PASS_POSITIONS = 15;
/** Dispatching one layer's nodes, in multiply-adds of weight products. */
const DISPATCH_MULTIPLY_ADDS_PER_LAYER = 2.7e6;
/** Attention (scores, mask, softmax, weighted sum) runs this many times slower per multiply-add than the weight products. */
const ATTENTION_SLOWDOWN = 3;

/** A position's weight multiply-adds in one layer: q and o projections, k and v, the gated MLP (2.7x hidden wide where the config does not say). */
export function layerMultiplyAdds(config: Pick<ModelConfig, 'hidden' | 'heads' | 'kvHeads' | 'headDim' | 'intermediate'>): number {
  const { hidden, heads, kvHeads, headDim } = config;
  return hidden * (2 * heads * headDim + 2 * kvHeads * headDim + 3 * (config.intermediate ?? (8 * hidden) / 3));
}

/**
 * The cost model of a Llama-like decoder from its shape: a position's weight products per layer
 * (q and o projections, k and v, the gated MLP: 2.7x hidden wide where the config does not say), a
 * query-key pair's (scores and weighted sum over all heads), the LM head's vocab x hidden weights.
 */
export function passCost(config: Pick<ModelConfig, 'hidden' | 'layers' | 'heads' | 'kvHeads' | 'headDim' | 'vocab' | 'intermediate'>): PassCost {
  const { hidden, heads, headDim } = config;
  const perLayer = layerMultiplyAdds(config);
  const headStream = (WEIGHT_PASS_POSITIONS * config.vocab * hidden) / (config.layers * perLayer);
  return {
    perRun: WEIGHT_PASS_POSITIONS + headStream + DISPATCH_MULTIPLY_ADDS_PER_LAYER / perLayer,
    keysPerPosition: perLayer / (2 * heads * headDim * ATTENTION_SLOWDOWN),
  };
}

/** What a run of `rows` segments padded to `width` after `past` cached positions costs. */
function runCost(cost: PassCost, rows: number, width: number, past: number): number {
  const positions = rows * width;
  return cost.perRun + positions + (positions * (past + width)) / cost.keysPerPosition;
}

const widthOf = (segment: Segment) => segment.end - segment.start;

/** Leaves pooled before they run, in batches' worth of padded tokens (prefix included): bounds the caches they hold. */
const LEAF_POOL_BATCHES = 4;

/** The padded cost of running these segments in one batch. */
export function batchCost(segments: readonly Segment[], cost: PassCost): number {
  return runCost(
    cost,
    segments.length,
    Math.max(...segments.map(widthOf)),
    Math.max(...segments.map((s) => s.start)),
  );
}

/**
 * Splits segments that may all run now into batches of least total cost (batch-partition.ts, over
 * the segments sorted by width): wider batches save runs, narrower ones save padding; the limits
 * bound each batch's memory (a segment too large for them runs alone).
 */
export function partitionBatches(ready: readonly number[], tree: readonly Segment[], cost: PassCost, limits: BatchLimits): number[][] {
  const order = [...ready].sort((a, b) => widthOf(tree[a]) - widthOf(tree[b]) || tree[a].start - tree[b].start || a - b);
  return cheapestPartition(order.length, (first, end) => {
    const rows = end - first;
    const width = widthOf(tree[order[end - 1]]);
    let past = 0;
    for (let i = first; i < end; i++) past = Math.max(past, tree[order[i]].start);
    const fits = rows === 1 || (rows <= limits.maxBatchRows && rows * (past + width) <= limits.tokensPerBatch);
    return fits ? runCost(cost, rows, width, past) : Infinity;
  }).map(([first, end]) => order.slice(first, end));
}

/**
 * The order of the runs. Segments with children run deepest first, so a subtree's shared prefixes
 * are computed (and their caches freed) before the next subtree's; leaves wait in a pool until no
 * shared prefix is ready or the pool holds a few batches' worth, then run together, grouped by width
 * across depths and candidates: every leaf is one prompt's own question, and pooling them lets
 * partitionBatches find rows of similar length.
 */
export function nextBatches(ready: readonly number[], tree: readonly Segment[], cost: PassCost, limits: BatchLimits): number[][] {
  const leaves = ready.filter((s) => tree[s].children.length === 0);
  const inner = ready.filter((s) => tree[s].children.length > 0);
  const pooled = leaves.reduce((sum, s) => sum + tree[s].end, 0);
  if (inner.length === 0 || pooled >= LEAF_POOL_BATCHES * limits.tokensPerBatch) return partitionBatches(leaves, tree, cost, limits);
  const depth = Math.max(...inner.map((s) => tree[s].depth));
  const deepest = inner.filter((s) => tree[s].depth === depth);
  return partitionBatches(deepest, tree, cost, limits).slice(0, 1);
}
