import ort from 'onnxruntime-node';
import type { RandomSource } from '../util/seeded-random.ts';
import { INPUTS_EMBEDS, NEXT_TOKEN, SCORE_POSITIONS, SCORE_TOKEN_IDS, TOKEN_LOGITS, type GraphFacts } from './prepare-graph.ts';

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
  /**
   * Whether the graph reads a KV cache with masked gaps (what the tree plan's prefix reuse checks at
   * load): then prompts of any length share a batch; else only prompts of one length do.
   */
  maskedGaps: boolean;
  /** The vocabulary's size: sampling reads the logits of every token. */
  vocab: number;
}

/**
 * Seeded sampling instead of greedy decoding: temperature, then nucleus (top-p) truncation, as
 * Holtzman et al. 2020 ("The Curious Case of Neural Text Degeneration", arXiv 1904.09751) define it.
 * Every draw comes from `rng` in a fixed order, so the same generator state gives the same text.
 */
export interface Sampling {
  /** Divides the logits; 0 is greedy (no draw). */
  temperature: number;
  /** Keeps the most probable tokens whose mass first reaches topP (1: all). */
  topP: number;
  rng: RandomSource;
}

export interface GenerationLimits {
  /** Tokens generated at most per sequence. */
  maxNewTokens: number;
  /** Tokens that end a sequence's text (EOS, end of turn); they are not part of it. */
  stopIds: readonly number[];
  /** Absent: greedy. */
  sampling?: Sampling;
}

/**
 * One token drawn from softmax(logits / temperature) cut to its nucleus: tokens sorted by probability
 * (the lower id first among equals), the shortest prefix whose mass reaches topP kept, then one uniform
 * draw walks the kept tokens' cumulative mass. Temperature 0 is the argmax (the lowest id among
 * equals, as the graph's ArgMax) and draws nothing.
 */
export function sampleToken(logits: ArrayLike<number>, sampling: Omit<Sampling, 'rng'>, rng: RandomSource): number {
  const { temperature, topP } = sampling;
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  const weights = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) weights[i] = Math.exp((logits[i] - logits[best]) / temperature);
  let total = weights.reduce((sum, w) => sum + w, 0);
  let kept = Array.from(weights, (_, i) => i);
  if (topP < 1) {
    kept.sort((a, b) => weights[b] - weights[a] || a - b);
    let mass = 0;
    let cut = 0;
    while (cut < kept.length && mass < topP * total) mass += weights[kept[cut++]];
    kept = kept.slice(0, Math.max(1, cut));
    total = mass;
  }
  const u = rng.uniform() * total;
  let cumulative = 0;
  for (const token of kept) {
    cumulative += weights[token];
    if (u < cumulative) return token;
  }
  // Rounding can leave u at the very top of the mass: the last kept token owns it.
  return kept[kept.length - 1];
}

/** Checks sampling settings, one line for a bad one. */
export function checkSampling(sampling: Omit<Sampling, 'rng'>): void {
  if (!Number.isFinite(sampling.temperature) || sampling.temperature < 0) throw new RangeError(`temperature must be a finite number >= 0 (got ${sampling.temperature})`);
  if (!(sampling.topP > 0 && sampling.topP <= 1)) throw new RangeError(`top-p must be in (0, 1] (got ${sampling.topP})`);
}

/**
 * Greedy (or, with `limits.sampling`, sampled) continuations of sequences of virtual tokens (a prompt with its soft prompt in place, as
 * scoring places it): the whole vocabulary's most likely token (the lowest id among equal logits,
 * the graph's ArgMax) is appended until a stop token or `maxNewTokens`. The prompts run once, then
 * every new token runs alone on the KV cache the graph hands back. Batches are a fixed function of
 * the sequences (sorted by length, cut by the token budget), so the same sequences give the same tokens.
 */
export async function generateGreedy(run: DecodeRun, sequences: readonly (readonly number[])[], limits: GenerationLimits): Promise<number[][]> {
  const results: number[][] = sequences.map(() => []);
  if (limits.maxNewTokens <= 0) return results;
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a].length - sequences[b].length || a - b);
  const batches: number[][] = [];
  for (const i of order) {
    const batch = batches.at(-1);
    const length = sequences[i].length;
    const fits = batch !== undefined && batch.length < Math.max(1, run.rowsFor(length + limits.maxNewTokens));
    if (fits && (run.maskedGaps || sequences[batch[0]].length === length)) batch.push(i);
    else batches.push([i]);
  }
  for (const batch of batches) {
    const texts = await decodeBatch(run, batch.map((i) => sequences[i]), limits);
    batch.forEach((i, b) => (results[i] = texts[b]));
  }
  return results;
}

/**
 * Decodes rows together; a row that stopped rides along until every row has. The prompts sit right-
 * padded in slots [0, P) (P the longest), and token t of every row in slot P + t: a row's cache is its
 * prompt, a masked gap, then its own tokens, with positions counted without the gap.
 */
async function decodeBatch(run: DecodeRun, rows: readonly (readonly number[])[], limits: GenerationLimits): Promise<number[][]> {
  const { facts, hidden } = run;
  const batch = rows.length;
  const lengths = rows.map((row) => row.length);
  const promptSlots = Math.max(...lengths);
  const stops = new Set(limits.stopIds);
  const generated = rows.map(() => [] as number[]);
  const stopped = rows.map(() => false);
  let embeds = new Float32Array(batch * promptSlots * hidden);
  rows.forEach((row, b) => run.embed(row, embeds, b * promptSlots * hidden));
  let past = run.emptyPast(batch);
  const pastNames = [...facts.pastKeyNames, ...facts.pastValueNames];
  const presentNames = [...facts.presentKeyNames, ...facts.presentValueNames];
  try {
    for (let step = 0; step < limits.maxNewTokens && !stopped.every(Boolean); step++) {
      const width = step === 0 ? promptSlots : 1;
      const total = step === 0 ? promptSlots : promptSlots + step;
      const mask = new BigInt64Array(batch * total);
      const positionIds = new BigInt64Array(batch * width);
      const scorePositions = new BigInt64Array(batch);
      lengths.forEach((length, b) => {
        for (let j = 0; j < total; j++) mask[b * total + j] = j < length || j >= promptSlots ? 1n : 0n;
        for (let i = 0; i < width; i++) positionIds[b * width + i] = BigInt(step === 0 ? i : length + step - 1);
        scorePositions[b] = BigInt(step === 0 ? length - 1 : 0);
      });
      const feeds: Record<string, ort.Tensor> = {
        [INPUTS_EMBEDS]: run.floatTensor(embeds, [batch, width, hidden]),
        [SCORE_POSITIONS]: new ort.Tensor('int64', scorePositions, [batch, 1]),
        // Greedy decoding reads only next_token; sampling asks the scoring head for every token's logit.
        [SCORE_TOKEN_IDS]: limits.sampling ? new ort.Tensor('int64', everyToken(batch, run.vocab), [batch, run.vocab]) : new ort.Tensor('int64', new BigInt64Array(batch), [batch, 1]),
      };
      if (facts.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [batch, total]);
      if (facts.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', positionIds, [batch, width]);
      pastNames.forEach((name, i) => (feeds[name] = past[i]));
      const out = await run.session.run(feeds, [NEXT_TOKEN, ...(limits.sampling ? [TOKEN_LOGITS] : []), ...presentNames]);
      for (const tensor of past) tensor.dispose?.();
      past = presentNames.map((name) => out[name]);
      const next = out[NEXT_TOKEN].data as BigInt64Array;
      const logits = limits.sampling && (out[TOKEN_LOGITS].data as Float32Array);
      embeds = new Float32Array(batch * hidden);
      for (let b = 0; b < batch; b++) {
        // Draws go row by row, step by step (a fixed order); a stopped row draws nothing.
        const token = logits && !stopped[b] ? sampleToken(logits.subarray(b * run.vocab, (b + 1) * run.vocab), limits.sampling!, limits.sampling!.rng) : Number(next[b]);
        if (!stopped[b]) {
          if (stops.has(token)) stopped[b] = true;
          else generated[b].push(token);
        }
        run.embed([token], embeds, b * hidden);
      }
      out[NEXT_TOKEN].dispose?.();
      if (logits) out[TOKEN_LOGITS].dispose?.();
    }
  } finally {
    for (const tensor of past) tensor.dispose?.();
  }
  return generated;
}

/** [batch, vocab] token ids 0..vocab-1 per row: the scoring head then returns the full logits. */
function everyToken(batch: number, vocab: number): BigInt64Array {
  const ids = new BigInt64Array(batch * vocab);
  for (let i = 0; i < ids.length; i++) ids[i] = BigInt(i % vocab);
  return ids;
}
