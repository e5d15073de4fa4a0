import ort from 'onnxruntime-node';
import { virtualToken, type ScoringRow } from './scoring-plan.ts';
import { SOFT_VECTORS, VIRTUAL_IDS } from './flat-graph.ts';
import { LOGSUMEXP, SCORE_POSITIONS, SCORE_TOKEN_IDS, TOKEN_LOGITS, type GraphFacts } from './prepare-graph.ts';
import { float32ArrayToFloat16 } from '../embedding/fp16.ts';
import { cheapestPartition } from './batch-partition.ts';
import { layerMultiplyAdds } from './tree-schedule.ts';

/**
 * The flat plan: every row is one right-padded sequence from position 0, rows of similar lengths share
 * a batch, and one run per batch computes the whole of it on the device (flat-graph.ts: ids and soft
 * vectors in, restricted log-probs out). Nothing is shared between rows, so the work is every row's
 * full length, but there are few runs and no KV cache moves.
 */

/**
 * Splits rows into batches of consecutive lengths (sorted ascending), choosing the split that
 * minimises padded positions plus `runCost` positions per run, among splits whose batches `fit`
 * (rows, width) (batch-partition.ts).
 */
export function flatBatches(lengths: readonly number[], fits: (rows: number, width: number) => boolean, runCost: number): number[][] {
  const order = lengths.map((_, r) => r).sort((a, b) => lengths[a] - lengths[b] || a - b);
  return cheapestPartition(order.length, (first, end) => {
    const rows = end - first;
    const width = lengths[order[end - 1]];
    return rows > 1 && !fits(rows, width) ? Infinity : runCost + rows * width;
  }).map(([first, end]) => order.slice(first, end));
}

/** Host time onnxruntime spends dispatching one layer's nodes in a run on a GPU, in microseconds. */
const HOST_MICROS_PER_LAYER = 1300;
/** Weight multiply-adds per microsecond a GPU gets through in the flat plan's nodes. */
const MULTIPLY_ADDS_PER_MICRO = 85e6;

/**
 * What a run costs on a GPU beyond its padded positions, in positions: onnxruntime dispatches every
 * node from the host, while a position costs its weight multiply-adds. Both rates are read off the
 * 135M shape's fp16 pass on an H200 under onnxruntime's profiler (BENCHMARKS.md, "Execution plans"):
 * ~1.3 ms of node time per layer and run beyond what the positions explain, ~1.3 µs per position
 * (106 M multiply-adds). Rough rates suffice: they decide between one run and a few. A run is worth
 * ~31k positions on the 135M shape (a population of 8 x 96 prompts is one run) and ~1.8k on the 1B.
 */
export function gpuRunCost(config: Parameters<typeof layerMultiplyAdds>[0]): number {
  return (HOST_MICROS_PER_LAYER * MULTIPLY_ADDS_PER_MICRO) / layerMultiplyAdds(config);
}

export interface FlatRun {
  session: ort.InferenceSession;
  facts: GraphFacts;
  hidden: number;
  kvHeads: number;
  headDim: number;
  /** Whether a batch of `rows` rows of `width` positions, `positions` scored per row, fits the memory budget. */
  fits: (rows: number, width: number, positions: number) => boolean;
  runCost: number;
}

/** The soft-vector table as the graph takes it: at least one row, in the graph's float type. */
function softVectorTensor(run: FlatRun, softVectors: Float32Array): ort.Tensor {
  const rows = Math.max(1, softVectors.length / run.hidden);
  const values = softVectors.length > 0 ? softVectors : new Float32Array(run.hidden);
  return run.facts.dtype === 'float16'
    ? new ort.Tensor('float16', float32ArrayToFloat16(values), [rows, run.hidden])
    : new ort.Tensor('float32', values, [rows, run.hidden]);
}

/** Log-probabilities of every row's (position, target) pairs: `values[row][positionIndex * targets + t]`. */
export async function scoreFlat(
  run: FlatRun,
  rows: ScoringRow[],
  softVectors: Float32Array,
  onProgress?: (done: number, total: number) => void,
): Promise<Float64Array[]> {
  const values = rows.map((row) => new Float64Array(row.positions.length * row.targets.length));
  const positions = Math.max(...rows.map((row) => row.positions.length));
  const batches = flatBatches(rows.map((row) => row.length), (count, width) => run.fits(count, width, positions), run.runCost);
  const soft = softVectorTensor(run, softVectors);
  let done = 0;
  for (const batch of batches) {
    const b = batch.length;
    const width = Math.max(...batch.map((r) => rows[r].length));
    const P = Math.max(...batch.map((r) => rows[r].positions.length));
    const T = Math.max(...batch.map((r) => rows[r].targets.length));
    const ids = new BigInt64Array(b * width);
    const mask = new BigInt64Array(b * width);
    const positionIds = new BigInt64Array(b * width);
    const scorePositions = new BigInt64Array(b * P);
    const scoreTokens = new BigInt64Array(b * T);
    batch.forEach((r, i) => {
      const row = rows[r];
      for (let p = 0; p < width; p++) {
        const real = p < row.length;
        const token = real ? virtualToken(row, p) : 0;
        ids[i * width + p] = BigInt(token);
        mask[i * width + p] = real ? 1n : 0n;
        positionIds[i * width + p] = BigInt(p);
      }
      // Short lists repeat their last entry: the graph computes every (position, token) pair of the batch.
      for (let j = 0; j < P; j++) scorePositions[i * P + j] = BigInt(row.positions[Math.min(j, row.positions.length - 1)]);
      for (let j = 0; j < T; j++) scoreTokens[i * T + j] = BigInt(row.targets[Math.min(j, row.targets.length - 1)]);
    });
    const feeds: Record<string, ort.Tensor> = {
      [VIRTUAL_IDS]: new ort.Tensor('int64', ids, [b, width]),
      [SOFT_VECTORS]: soft,
      [SCORE_POSITIONS]: new ort.Tensor('int64', scorePositions, [b, P]),
      [SCORE_TOKEN_IDS]: new ort.Tensor('int64', scoreTokens, [b, T]),
    };
    if (run.facts.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [b, width]);
    if (run.facts.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', positionIds, [b, width]);
    // Graphs with KV inputs get an empty cache: every row starts at position 0.
    const pastDims = [b, run.kvHeads, 0, run.headDim];
    const past = run.facts.dtype === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), pastDims) : new ort.Tensor('float32', new Float32Array(0), pastDims);
    for (const name of [...run.facts.pastKeyNames, ...run.facts.pastValueNames]) feeds[name] = past;
    const out = await run.session.run(feeds, [TOKEN_LOGITS, LOGSUMEXP]);
    const tokenLogits = out[TOKEN_LOGITS].data as Float32Array;
    const logsumexp = out[LOGSUMEXP].data as Float32Array;
    batch.forEach((r, i) => {
      const row = rows[r];
      row.positions.forEach((_, p) => {
        const at = i * P + p;
        row.targets.forEach((_, t) => (values[r][p * row.targets.length + t] = tokenLogits[at * T + t] - logsumexp[at]));
      });
    });
    for (const tensor of Object.values(out)) tensor.dispose?.();
    done += b;
    onProgress?.(done, rows.length);
  }
  return values;
}
