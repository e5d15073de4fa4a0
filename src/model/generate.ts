import ort from 'onnxruntime-node';
import { INPUTS_EMBEDS, NEXT_TOKEN, SCORE_POSITIONS, SCORE_TOKEN_IDS, type GraphFacts } from './prepare-graph.ts';

/** What greedy decoding needs from a model whose prepared graph takes and returns a KV cache (the tree plan's). */
export interface DecodeRun {
  session: ort.InferenceSession;
  facts: GraphFacts;
  hidden: number;
  /** Writes the embeddings of virtual tokens (token ids, or -(v + 1) for soft vector v) at `offset` of `out`, one row of `hidden` each. */
  embed(tokens: readonly number[], out: Float32Array, offset: number): void;
  /** A [batch, seq, hidden] input in the graph's float type. */
  floatTensor(values: Float32Array, dims: number[]): ort.Tensor;
  /** An empty KV cache (length 0) for `batch` rows, per past input in the order of facts.pastKeyNames then pastValueNames. */
  emptyPast(batch: number): ort.Tensor[];
  /** Rows one batch may hold when each grows to `length` positions (the scoring budget of padded tokens). */
  rowsFor(length: number): number;
}

export interface GenerationLimits {
  /** Tokens generated at most per sequence. */
  maxNewTokens: number;
  /** Tokens that end a sequence's text (EOS, end of turn); they are not part of it. */
  stopIds: readonly number[];
}

/**
 * Greedy continuations of sequences of virtual tokens (a prompt with its soft prompt in place, as
 * scoring places it): the whole vocabulary's most likely token (the lowest id among equal logits,
 * the graph's ArgMax) is appended until a stop token or `maxNewTokens`. The prompt runs once, then
 * every new token runs alone on the KV cache the graph hands back. Sequences of equal length share
 * batches, so no row needs padding or a mask with holes, and every batch is a fixed function of the
 * input: the same sequences give the same tokens.
 */
export async function generateGreedy(run: DecodeRun, sequences: readonly (readonly number[])[], limits: GenerationLimits): Promise<number[][]> {
  const results: number[][] = sequences.map(() => []);
  if (limits.maxNewTokens <= 0) return results;
  const byLength = new Map<number, number[]>();
  sequences.forEach((sequence, i) => byLength.set(sequence.length, [...(byLength.get(sequence.length) ?? []), i]));
  for (const [length, members] of [...byLength].sort(([a], [b]) => a - b)) {
    const perBatch = Math.max(1, run.rowsFor(length + limits.maxNewTokens));
    for (let first = 0; first < members.length; first += perBatch) {
      const batch = members.slice(first, first + perBatch);
      const texts = await decodeBatch(run, batch.map((i) => sequences[i]), limits);
      batch.forEach((i, b) => (results[i] = texts[b]));
    }
  }
  return results;
}

/** Decodes rows of one length together; a row that stopped rides along until every row has. */
async function decodeBatch(run: DecodeRun, rows: readonly (readonly number[])[], limits: GenerationLimits): Promise<number[][]> {
  const { facts, hidden } = run;
  const batch = rows.length;
  const promptLength = rows[0].length;
  const stops = new Set(limits.stopIds);
  const generated = rows.map(() => [] as number[]);
  const stopped = rows.map(() => false);
  let embeds = new Float32Array(batch * promptLength * hidden);
  rows.forEach((row, b) => run.embed(row, embeds, b * promptLength * hidden));
  let past = run.emptyPast(batch);
  let pastLength = 0;
  const pastNames = [...facts.pastKeyNames, ...facts.pastValueNames];
  const presentNames = [...facts.presentKeyNames, ...facts.presentValueNames];
  try {
    for (let step = 0; step < limits.maxNewTokens && !stopped.every(Boolean); step++) {
      const width = step === 0 ? promptLength : 1;
      const total = pastLength + width;
      const positionIds = new BigInt64Array(batch * width);
      for (let b = 0; b < batch; b++) for (let i = 0; i < width; i++) positionIds[b * width + i] = BigInt(pastLength + i);
      const feeds: Record<string, ort.Tensor> = {
        [INPUTS_EMBEDS]: run.floatTensor(embeds, [batch, width, hidden]),
        [SCORE_POSITIONS]: new ort.Tensor('int64', new BigInt64Array(batch).fill(BigInt(width - 1)), [batch, 1]),
        // The graph takes score_token_ids; decoding reads only next_token.
        [SCORE_TOKEN_IDS]: new ort.Tensor('int64', new BigInt64Array(batch), [batch, 1]),
      };
      if (facts.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(batch * total).fill(1n), [batch, total]);
      if (facts.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', positionIds, [batch, width]);
      pastNames.forEach((name, i) => (feeds[name] = past[i]));
      const out = await run.session.run(feeds, [NEXT_TOKEN, ...presentNames]);
      for (const tensor of past) tensor.dispose?.();
      past = presentNames.map((name) => out[name]);
      pastLength = total;
      const next = out[NEXT_TOKEN].data as BigInt64Array;
      embeds = new Float32Array(batch * hidden);
      for (let b = 0; b < batch; b++) {
        const token = Number(next[b]);
        if (!stopped[b]) {
          if (stops.has(token)) stopped[b] = true;
          else generated[b].push(token);
        }
        run.embed([token], embeds, b * hidden);
      }
      out[NEXT_TOKEN].dispose?.();
    }
  } finally {
    for (const tensor of past) tensor.dispose?.();
  }
  return generated;
}
