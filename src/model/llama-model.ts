import path from 'node:path';
import ort from 'onnxruntime-node';
import { openModelFolder, type ModelConfig, type ModelFolder } from './model-folder.ts';
import { loadPreparedModel } from './prepared-cache.ts';
import { readFloatInitializer } from './tensor-data.ts';
import { HuggingFaceTokenizer } from './tokenizer.ts';
import { createSession, parseDevice, type SessionSettings } from './session.ts';
import { batchRows, planRows, sharedPrefixLength, virtualToken, type ScoringRow } from './scoring-plan.ts';
import { INPUTS_EMBEDS, LOGSUMEXP, SCORE_POSITIONS, SCORE_TOKEN_IDS, TOKEN_LOGITS, type GraphFacts } from './prepare-graph.ts';
import { float32ToFloat16Bits } from '../embedding/fp16.ts';
import type { EmbeddingTable } from '../embedding/table.ts';
import type { ScoreOptions, ScoreRequest, Scorer, SoftPrompt } from './types.ts';
import { UserError } from '../util/errors.ts';

export type { EmbeddingTable };

export interface LoadOptions extends SessionSettings {
  device?: string;
  cacheDir?: string;
  /** Padded tokens per batch (rows x suffix length); bounds memory. */
  tokensPerBatch?: number;
  maxBatchRows?: number;
  /** Compute the prefix shared by all rows once and reuse its KV cache (needs past_key_values inputs). */
  prefixReuse?: boolean;
}

type KvCache = { keys: ort.Tensor[]; values: ort.Tensor[]; length: number };

const KNOWN_INPUTS = new Set(['attention_mask', 'position_ids']);

/** A frozen Llama-like ONNX model that scores option tokens after prompts made of soft vectors and tokens. */
export class LlamaModel implements Scorer {
  readonly hidden: number;
  private readonly kvHeads: number;
  private readonly headDim: number;

  private constructor(
    readonly folder: ModelFolder,
    readonly tokenizer: HuggingFaceTokenizer,
    readonly embeddingTable: EmbeddingTable,
    readonly facts: GraphFacts,
    readonly sourceHash: string,
    readonly provider: string,
    readonly notice: string | undefined,
    private readonly session: ort.InferenceSession,
    private readonly settings: Required<Pick<LoadOptions, 'tokensPerBatch' | 'maxBatchRows' | 'prefixReuse'>>,
  ) {
    this.hidden = embeddingTable.hidden;
    this.kvHeads = folder.config.kvHeads;
    this.headDim = folder.config.headDim;
  }

  static async load(dir: string, options: LoadOptions = {}): Promise<LlamaModel> {
    const folder = openModelFolder(dir);
    const tokenizer = HuggingFaceTokenizer.fromFolder(dir);
    const prepared = loadPreparedModel(folder.graphPath, options.cacheDir);
    const facts = prepared.facts;
    const unknown = facts.inputNames.filter(
      (n) => !KNOWN_INPUTS.has(n) && !facts.pastKeyNames.includes(n) && !facts.pastValueNames.includes(n),
    );
    if (unknown.length > 0) throw new UserError(`the graph has inputs cultune does not know how to feed: ${unknown.join(', ')}`);
    const tableProto = prepared.source.graph!.initializer!.find((t) => t.name === facts.embeddingName)!;
    const table = readFloatInitializer(tableProto, path.dirname(folder.graphPath));
    const [vocab, hidden] = facts.embeddingDims;
    if (hidden !== folder.config.hidden) {
      throw new UserError(`embedding width ${hidden} differs from hidden_size ${folder.config.hidden} in the model's config`);
    }
    if (tokenizer.vocabSize > vocab) {
      throw new UserError(
        `the tokenizer has ${tokenizer.vocabSize} tokens but the model's embedding only ${vocab} rows: tokenizer.json belongs to another model`,
      );
    }
    const { session, provider, notice } = await createSession(prepared, parseDevice(options.device ?? 'auto'), options);
    const model = new LlamaModel(folder, tokenizer, { data: table.data, vocab, hidden }, facts, prepared.sourceHash, provider, notice, session, {
      tokensPerBatch: options.tokensPerBatch ?? 4096,
      maxBatchRows: options.maxBatchRows ?? 64,
      prefixReuse: options.prefixReuse ?? true,
    });
    if (model.settings.prefixReuse && model.supportsPrefixReuse) model.settings.prefixReuse = await model.prefixReuseWorks();
    return model;
  }

  /**
   * Some exports accept a KV cache only for one-token decoding steps (onnxruntime-genai's builder
   * makes its causal mask for either an empty cache or a single new token). A multi-token run after
   * a cached prefix tells whether this graph supports prefix reuse.
   */
  private async prefixReuseWorks(): Promise<boolean> {
    const probe: ScoringRow = { ids: [0, 0, 0], softAt: 0, length: 3, positions: [2], targets: [0], reads: [] };
    try {
      const prefix = (await this.run([{ ...probe, length: 1, positions: [0] }], 0, undefined, this.emptyPast(1), true)).present!;
      await this.run([probe], 1, undefined, prefix, false);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether scoring computes shared prefixes once (true when asked for and the graph supports it). */
  get reusesPrefix(): boolean {
    return this.settings.prefixReuse && this.supportsPrefixReuse;
  }

  get config(): ModelConfig {
    return this.folder.config;
  }

  get dtype(): GraphFacts['dtype'] {
    return this.facts.dtype;
  }

  get bosTokenId(): number | undefined {
    const fromTokenizer = this.tokenizer.encode('', { addSpecialTokens: true })[0];
    return fromTokenizer ?? this.folder.config.bosTokenId;
  }

  get supportsPrefixReuse(): boolean {
    return this.facts.pastKeyNames.length > 0;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  /** Copies the embedding of one virtual token (token id, or soft vector) into `out` at `offset`. */
  private writeEmbedding(token: number, softPrompt: SoftPrompt | undefined, out: Float32Array, offset: number): void {
    const d = this.hidden;
    if (token >= 0) {
      if (token >= this.embeddingTable.vocab) throw new UserError(`token id ${token} is outside the vocabulary (${this.embeddingTable.vocab})`);
      out.set(this.embeddingTable.data.subarray(token * d, token * d + d), offset);
    } else {
      const v = -token - 1;
      out.set(softPrompt!.data.subarray(v * d, v * d + d), offset);
    }
  }

  private floatTensor(values: Float32Array, dims: number[]): ort.Tensor {
    if (this.dtype === 'float32') return new ort.Tensor('float32', values, dims);
    const bits = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16Bits(values[i]);
    return new ort.Tensor('float16', bits, dims);
  }

  private emptyPast(batch: number): KvCache {
    const empty = () => new ort.Tensor(this.dtype, this.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0), [batch, this.kvHeads, 0, this.headDim]);
    return { keys: this.facts.pastKeyNames.map(empty), values: this.facts.pastValueNames.map(empty), length: 0 };
  }

  /** Repeats a batch-1 KV cache for every row of a batch. */
  private tilePast(prefix: KvCache, batch: number): KvCache {
    const tile = (t: ort.Tensor) => {
      const source = t.data as Float32Array | Uint16Array;
      const out = new (source.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(source.length * batch);
      for (let b = 0; b < batch; b++) out.set(source, b * source.length);
      return new ort.Tensor(t.type as 'float32', out as Float32Array, [batch, ...t.dims.slice(1)]);
    };
    return { keys: prefix.keys.map(tile), values: prefix.values.map(tile), length: prefix.length };
  }

  /**
   * One forward pass over rows laid out from `start` (the first `start` positions are in `past`),
   * right-padded: causal attention keeps real tokens blind to the padding after them.
   */
  private async run(
    rows: ScoringRow[],
    start: number,
    softPrompt: SoftPrompt | undefined,
    past: KvCache,
    fetchPresent: boolean,
  ): Promise<{ tokenLogits: Float32Array; logsumexp: Float32Array; positions: number; tokens: number; present?: KvCache }> {
    const k = softPrompt?.k ?? 0;
    const batch = rows.length;
    const width = Math.max(...rows.map((r) => r.length - start));
    const total = start + width;
    const d = this.hidden;
    const embeds = new Float32Array(batch * width * d);
    const mask = new BigInt64Array(batch * total);
    const positionIds = new BigInt64Array(batch * width);
    const positions = Math.max(...rows.map((r) => r.positions.length));
    const tokens = Math.max(...rows.map((r) => r.targets.length));
    const scorePositions = new BigInt64Array(batch * positions);
    const scoreTokens = new BigInt64Array(batch * tokens);
    rows.forEach((row, b) => {
      for (let p = start; p < row.length; p++) this.writeEmbedding(virtualToken(row, p, k), softPrompt, embeds, (b * width + p - start) * d);
      for (let p = 0; p < total; p++) mask[b * total + p] = p < row.length ? 1n : 0n;
      for (let p = 0; p < width; p++) positionIds[b * width + p] = BigInt(start + p);
      for (let j = 0; j < positions; j++) scorePositions[b * positions + j] = BigInt(row.positions[Math.min(j, row.positions.length - 1)] - start);
      for (let j = 0; j < tokens; j++) scoreTokens[b * tokens + j] = BigInt(row.targets[Math.min(j, row.targets.length - 1)]);
    });
    const feeds: Record<string, ort.Tensor> = {
      [INPUTS_EMBEDS]: this.floatTensor(embeds, [batch, width, d]),
      [SCORE_POSITIONS]: new ort.Tensor('int64', scorePositions, [batch, positions]),
      [SCORE_TOKEN_IDS]: new ort.Tensor('int64', scoreTokens, [batch, tokens]),
    };
    if (this.facts.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [batch, total]);
    if (this.facts.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', positionIds, [batch, width]);
    this.facts.pastKeyNames.forEach((name, i) => (feeds[name] = past.keys[i]));
    this.facts.pastValueNames.forEach((name, i) => (feeds[name] = past.values[i]));
    const fetches = [TOKEN_LOGITS, LOGSUMEXP, ...(fetchPresent ? [...this.facts.presentKeyNames, ...this.facts.presentValueNames] : [])];
    const out = await this.session.run(feeds, fetches);
    const result = {
      tokenLogits: out[TOKEN_LOGITS].data as Float32Array,
      logsumexp: out[LOGSUMEXP].data as Float32Array,
      positions,
      tokens,
      present: fetchPresent
        ? { keys: this.facts.presentKeyNames.map((n) => out[n]), values: this.facts.presentValueNames.map((n) => out[n]), length: total }
        : undefined,
    };
    for (const [name, tensor] of Object.entries(out)) if (!fetchPresent || !name.startsWith('present')) tensor.dispose?.();
    return result;
  }

  async score(requests: ScoreRequest[], options: ScoreOptions = {}): Promise<number[][]> {
    const softPrompt = options.softPrompt && options.softPrompt.k > 0 ? options.softPrompt : undefined;
    if (softPrompt && softPrompt.hidden !== this.hidden) {
      throw new UserError(`the soft prompt has hidden size ${softPrompt.hidden}, the model ${this.hidden}`);
    }
    const rows = planRows(requests, softPrompt, options.placement ?? 'start', this.bosTokenId);
    const results = requests.map((r) => new Array<number>(r.options.length).fill(0));
    const k = softPrompt?.k ?? 0;
    const prefixLength = this.settings.prefixReuse && this.supportsPrefixReuse ? sharedPrefixLength(rows, k) : 0;
    let prefix: KvCache | undefined;
    if (prefixLength > 0) {
      const prefixRow: ScoringRow = { ...rows[0], length: prefixLength, positions: [prefixLength - 1], targets: [0], reads: [] };
      prefix = (await this.run([prefixRow], 0, softPrompt, this.emptyPast(1), true)).present;
    }
    const batches = batchRows(rows, prefixLength, this.settings.tokensPerBatch, this.settings.maxBatchRows);
    let done = 0;
    for (const batch of batches) {
      const past = prefix ? this.tilePast(prefix, batch.length) : this.emptyPast(batch.length);
      const out = await this.run(batch, prefixLength, softPrompt, past, false);
      batch.forEach((row, b) => {
        for (const read of row.reads) {
          let sum = 0;
          for (const [p, t] of read.pairs) {
            const at = b * out.positions + p;
            sum += out.tokenLogits[at * out.tokens + t] - out.logsumexp[at];
          }
          results[read.request][read.option] = sum;
        }
      });
      done += batch.length;
      options.onProgress?.(done, rows.length);
    }
    return results;
  }
}

export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LlamaModel> {
  return LlamaModel.load(dir, options);
}
