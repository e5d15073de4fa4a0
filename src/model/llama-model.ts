import path from 'node:path';
import ort from 'onnxruntime-node';
import { openModelFolder, type ModelConfig, type ModelFolder } from './model-folder.ts';
import { loadPreparedModel } from './prepared-cache.ts';
import { readFloatInitializer } from './tensor-data.ts';
import { HuggingFaceTokenizer } from './tokenizer.ts';
import { createSession, type SessionSettings } from './session.ts';
import { gpuIndex, parseDevice } from './device.ts';
import { planRows, softInsertIndex, virtualToken, type ScoringRow } from './scoring-plan.ts';
import { checkSampling, generateGreedy } from './generate.ts';
import { ancestorsOf, buildPrefixTree, type Segment } from './prefix-tree.ts';
import { INPUTS_EMBEDS, LOGSUMEXP, SCORE_POSITIONS, SCORE_TOKEN_IDS, TOKEN_LOGITS, type GraphFacts, type PlanName } from './prepare-graph.ts';
import { DEFAULT_BATCH_MEMORY, FREE_MEMORY_SHARE, flatBatchBytes, planForProvider, type PlanRequest } from './execution-plan.ts';
import { gpuRunCost, scoreFlat, type FlatRun } from './flat-plan.ts';
import type { ComputeDtype } from './half-precision.ts';
import { gpuFreeBytes } from './gpu-memory.ts';
import { nextBatches, passCost, type PassCost } from './tree-schedule.ts';
import { float32ToFloat16Bits } from '../embedding/fp16.ts';
import type { EmbeddingTable } from '../embedding/table.ts';
import type { GenerateOptions, ScoreOptions, ScoreRequest, Scorer, SoftPrompt } from './types.ts';
import { UserError } from '../util/errors.ts';
import { checkNewTokens, checkRequests } from './request-limits.ts';
import type { HubOrigin } from './model-source.ts';

export type { EmbeddingTable };

export interface LoadOptions extends SessionSettings {
  device?: string;
  /** The graph inside the folder when it holds several (onnx/model_fp16.onnx); default model.onnx or onnx/model.onnx. */
  graphFile?: string;
  /** The Hub repository and commit the folder was downloaded from, when it was. */
  origin?: HubOrigin;
  cacheDir?: string;
  /** Padded tokens per batch (rows x suffix length); bounds memory. */
  tokensPerBatch?: number;
  maxBatchRows?: number;
  /** Compute the prefix shared by all rows once and reuse its KV cache (needs past_key_values inputs). */
  prefixReuse?: boolean;
  /** Execution plan (execution-plan.ts): auto is the prefix tree on the CPU and flat batches on a GPU. */
  plan?: PlanRequest;
  /** Compute precision; undefined: the export's own (an fp32 export converts to fp16 or bf16, half-precision.ts). */
  dtype?: ComputeDtype;
  /** Bytes the flat plan's batches may use (default: a share of the GPU's free memory, or 1 GiB). */
  batchMemory?: number;
}

/** Special tokens that end an assistant's turn in common chat templates, besides the tokenizer's EOS. */
const END_OF_TURN = ['<|im_end|>', '<|eot_id|>', '<|end|>', '<end_of_turn>', '<|endoftext|>'];

type PastTensors = { keys: ort.Tensor[]; values: ort.Tensor[] };
/** A segment's own keys and values per layer, [kvHeads, length, headDim] each. */
type SegmentKv = { keys: (Float32Array | Uint16Array)[]; values: (Float32Array | Uint16Array)[] };

const KNOWN_INPUTS = new Set(['attention_mask', 'position_ids']);

/** A frozen Llama-like ONNX model that scores option tokens after prompts made of soft vectors and tokens. */
export class LlamaModel implements Scorer {
  readonly hidden: number;
  private readonly cost: PassCost;
  private readonly kvHeads: number;
  private readonly headDim: number;

  private constructor(
    readonly folder: ModelFolder,
    readonly origin: HubOrigin | undefined,
    readonly tokenizer: HuggingFaceTokenizer,
    readonly embeddingTable: EmbeddingTable,
    readonly facts: GraphFacts,
    readonly sourceHash: string,
    readonly provider: string,
    readonly notice: string | undefined,
    private readonly session: ort.InferenceSession,
    private readonly settings: Required<Pick<LoadOptions, 'tokensPerBatch' | 'maxBatchRows' | 'prefixReuse' | 'batchMemory'>> & { profiling: boolean },
  ) {
    this.hidden = embeddingTable.hidden;
    this.cost = passCost(folder.config);
    this.kvHeads = folder.config.kvHeads;
    this.headDim = folder.config.headDim;
  }

  static async load(dir: string, options: LoadOptions = {}): Promise<LlamaModel> {
    const folder = openModelFolder(dir, options.graphFile);
    const tokenizer = HuggingFaceTokenizer.fromFolder(dir);
    const device = parseDevice(options.device ?? 'auto');
    const planRequest = options.plan ?? 'auto';
    const prepare = (plan: PlanName) => loadPreparedModel(folder.graphPath, { cacheDir: options.cacheDir, plan, dtype: options.dtype });
    // A GPU is tried with the GPU's plan; where auto falls back to the CPU, the CPU's plan's graph opens there.
    let prepared = prepare(planForProvider(planRequest, device === 'cpu' ? 'cpu' : 'gpu'));
    const { session, provider, notice } = await createSession(prepared, device, options, () => (prepared = prepare(planForProvider(planRequest, 'cpu'))));
    const facts = prepared.facts;
    const unknown = facts.inputNames.filter(
      (n) => !KNOWN_INPUTS.has(n) && !facts.pastKeyNames.includes(n) && !facts.pastValueNames.includes(n),
    );
    if (unknown.length > 0) {
      await session.release();
      throw new UserError(`the graph has inputs cultune does not know how to feed: ${unknown.join(', ')}`);
    }
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
    const model = new LlamaModel(folder, options.origin, tokenizer, { data: table.data, vocab, hidden }, facts, prepared.sourceHash, provider, notice, session, {
      tokensPerBatch: options.tokensPerBatch ?? 4096,
      maxBatchRows: options.maxBatchRows ?? 64,
      prefixReuse: options.prefixReuse ?? true,
      batchMemory: options.batchMemory ?? (facts.plan === 'flat' ? defaultBatchMemory(provider) : 0),
      profiling: options.profilePrefix !== undefined,
    });
    if (model.plan === 'tree' && model.settings.prefixReuse && model.supportsPrefixReuse) model.settings.prefixReuse = await model.prefixReuseWorks();
    return model;
  }

  /**
   * Some exports accept a KV cache only for one-token decoding steps (onnxruntime-genai's builder
   * makes its causal mask for either an empty cache or a single new token), and a graph could
   * mishandle a padded cache without failing. Two rows sharing a prefix, scored both ways, tell
   * whether this graph supports prefix reuse.
   */
  private async prefixReuseWorks(): Promise<boolean> {
    const rows = planRows(
      [
        { ids: [1, 2, 3, 4, 5], options: [[6], [7]] },
        { ids: [1, 2, 8], options: [[6], [9]] },
      ],
      undefined,
      'start',
      undefined,
    );
    try {
      const shared = await this.scoreRows(rows, new Float32Array(0), buildPrefixTree(rows, true));
      const plain = await this.scoreRows(rows, new Float32Array(0), buildPrefixTree(rows, false));
      return shared.every((row, r) => row.every((v, i) => Math.abs(v - plain[r][i]) < 1e-3));
    } catch {
      return false;
    }
  }

  /** Whether scoring computes shared prefixes once (the tree plan, when asked for and the graph supports it). */
  get reusesPrefix(): boolean {
    return this.plan === 'tree' && this.settings.prefixReuse && this.supportsPrefixReuse;
  }

  get plan(): PlanName {
    return this.facts.plan;
  }

  /** The precision the graph computes in (the interface stays `dtype`). */
  get precision(): ComputeDtype {
    return this.facts.computeDtype;
  }

  /** Bytes the flat plan's batches may use. */
  get batchMemory(): number {
    return this.settings.batchMemory;
  }

  get config(): ModelConfig {
    return this.folder.config;
  }

  /** The float type of the graph's inputs and KV cache (the export's; a converted graph keeps fp32 there). */
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
    if (this.settings.profiling) this.session.endProfiling();
    await this.session.release();
  }

  /** Copies the embedding of one virtual token (token id, checked by checkRequests, or soft vector) into `out` at `offset`. */
  private writeEmbedding(token: number, softVectors: Float32Array, out: Float32Array, offset: number): void {
    const d = this.hidden;
    if (token >= 0) {
      out.set(this.embeddingTable.data.subarray(token * d, token * d + d), offset);
    } else {
      const v = -token - 1;
      out.set(softVectors.subarray(v * d, v * d + d), offset);
    }
  }

  private floatTensor(values: Float32Array, dims: number[]): ort.Tensor {
    if (this.dtype === 'float32') return new ort.Tensor('float32', values, dims);
    const bits = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16Bits(values[i]);
    return new ort.Tensor('float16', bits, dims);
  }

  private emptyPast(batch: number): PastTensors {
    const empty = () => this.pastTensor(this.newKvArray(0), batch, 0);
    return { keys: this.facts.pastKeyNames.map(empty), values: this.facts.pastValueNames.map(empty) };
  }

  private pastTensor(data: Float32Array | Uint16Array, batch: number, length: number): ort.Tensor {
    return new ort.Tensor(this.dtype, data as Float32Array, [batch, this.kvHeads, length, this.headDim]);
  }

  private newKvArray(length: number): Float32Array | Uint16Array {
    return this.dtype === 'float16' ? new Uint16Array(length) : new Float32Array(length);
  }

  /**
   * The KV cache a batch of segments continues from: each segment's ancestors laid end to end from
   * slot 0, and the slots up to the batch's longest prefix left as masked padding.
   */
  private pastFor(batch: number[], tree: Segment[], kv: Map<number, SegmentKv>, pastLength: number): PastTensors {
    const layers = this.facts.pastKeyNames.length;
    const block = this.kvHeads * pastLength * this.headDim;
    const keys = Array.from({ length: layers }, () => this.newKvArray(batch.length * block));
    const values = Array.from({ length: layers }, () => this.newKvArray(batch.length * block));
    batch.forEach((segment, b) => {
      let offset = 0;
      for (const ancestor of ancestorsOf(tree, segment)) {
        const stored = kv.get(ancestor)!;
        const length = tree[ancestor].end - tree[ancestor].start;
        const run = length * this.headDim;
        for (let layer = 0; layer < layers; layer++) {
          for (let h = 0; h < this.kvHeads; h++) {
            const to = ((b * this.kvHeads + h) * pastLength + offset) * this.headDim;
            keys[layer].set(stored.keys[layer].subarray(h * run, (h + 1) * run), to);
            values[layer].set(stored.values[layer].subarray(h * run, (h + 1) * run), to);
          }
        }
        offset += length;
      }
    });
    return {
      keys: keys.map((data) => this.pastTensor(data, batch.length, pastLength)),
      values: values.map((data) => this.pastTensor(data, batch.length, pastLength)),
    };
  }

  /** Copies the new positions of batch row b out of present tensors [batch, kvHeads, total, headDim]. */
  private keepKv(present: ort.Tensor[], b: number, from: number, length: number): (Float32Array | Uint16Array)[] {
    return present.map((tensor) => {
      const total = tensor.dims[2];
      const source = tensor.data as Float32Array | Uint16Array;
      const out = this.newKvArray(this.kvHeads * length * this.headDim);
      for (let h = 0; h < this.kvHeads; h++) {
        const at = ((b * this.kvHeads + h) * total + from) * this.headDim;
        out.set(source.subarray(at, at + length * this.headDim), h * length * this.headDim);
      }
      return out;
    });
  }

  /**
   * One forward pass over a batch of segments. Row b holds its segment's tokens at slots
   * [pastLength, pastLength + length) after a KV cache of its ancestors (slots [0, start)); padding
   * is masked, and causal attention keeps real tokens blind to the right padding after them.
   */
  private async runSegments(
    batch: number[],
    tree: Segment[],
    rows: ScoringRow[],
    softVectors: Float32Array,
    kv: Map<number, SegmentKv>,
    keep: boolean,
  ): Promise<{ logprob: (b: number, offset: number, token: number) => number; kept: Map<number, SegmentKv> }> {
    const segments = batch.map((s) => tree[s]);
    const pastLength = Math.max(...segments.map((s) => s.start));
    const width = Math.max(...segments.map((s) => s.end - s.start));
    const total = pastLength + width;
    const d = this.hidden;
    const slots = segments.map((s) => [...new Set(s.reads.map((read) => read.offset))]);
    const targets = segments.map((s) => [...new Set(s.reads.flatMap((read) => rows[read.row].targets))]);
    const positions = Math.max(1, ...slots.map((list) => list.length));
    const tokens = Math.max(1, ...targets.map((list) => list.length));
    const embeds = new Float32Array(batch.length * width * d);
    const mask = new BigInt64Array(batch.length * total);
    const positionIds = new BigInt64Array(batch.length * width);
    const scorePositions = new BigInt64Array(batch.length * positions);
    const scoreTokens = new BigInt64Array(batch.length * tokens);
    segments.forEach((segment, b) => {
      const length = segment.end - segment.start;
      for (let i = 0; i < length; i++) {
        this.writeEmbedding(virtualToken(rows[segment.row], segment.start + i), softVectors, embeds, (b * width + i) * d);
      }
      for (let j = 0; j < total; j++) mask[b * total + j] = j < segment.start || (j >= pastLength && j < pastLength + length) ? 1n : 0n;
      for (let i = 0; i < width; i++) positionIds[b * width + i] = BigInt(segment.start + i);
      for (let j = 0; j < positions; j++) scorePositions[b * positions + j] = BigInt(slots[b][Math.min(j, slots[b].length - 1)] ?? 0);
      for (let j = 0; j < tokens; j++) scoreTokens[b * tokens + j] = BigInt(targets[b][Math.min(j, targets[b].length - 1)] ?? 0);
    });
    const past = pastLength > 0 ? this.pastFor(batch, tree, kv, pastLength) : this.emptyPast(batch.length);
    const feeds: Record<string, ort.Tensor> = {
      [INPUTS_EMBEDS]: this.floatTensor(embeds, [batch.length, width, d]),
      [SCORE_POSITIONS]: new ort.Tensor('int64', scorePositions, [batch.length, positions]),
      [SCORE_TOKEN_IDS]: new ort.Tensor('int64', scoreTokens, [batch.length, tokens]),
    };
    if (this.facts.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [batch.length, total]);
    if (this.facts.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', positionIds, [batch.length, width]);
    this.facts.pastKeyNames.forEach((name, i) => (feeds[name] = past.keys[i]));
    this.facts.pastValueNames.forEach((name, i) => (feeds[name] = past.values[i]));
    const fetches = [TOKEN_LOGITS, LOGSUMEXP, ...(keep ? [...this.facts.presentKeyNames, ...this.facts.presentValueNames] : [])];
    const out = await this.session.run(feeds, fetches);
    const tokenLogits = out[TOKEN_LOGITS].data as Float32Array;
    const logsumexp = out[LOGSUMEXP].data as Float32Array;
    const kept = new Map<number, SegmentKv>();
    if (keep) {
      const presentKeys = this.facts.presentKeyNames.map((n) => out[n]);
      const presentValues = this.facts.presentValueNames.map((n) => out[n]);
      segments.forEach((segment, b) => {
        if (segment.children.length === 0) return;
        const length = segment.end - segment.start;
        kept.set(batch[b], { keys: this.keepKv(presentKeys, b, pastLength, length), values: this.keepKv(presentValues, b, pastLength, length) });
      });
    }
    for (const tensor of Object.values(out)) tensor.dispose?.();
    const slotIndex = slots.map((list) => new Map(list.map((offset, j) => [offset, j])));
    const tokenIndex = targets.map((list) => new Map(list.map((token, j) => [token, j])));
    const logprob = (b: number, offset: number, token: number) => {
      const at = b * positions + slotIndex[b].get(offset)!;
      return tokenLogits[at * tokens + tokenIndex[b].get(token)!] - logsumexp[at];
    };
    return { logprob, kept };
  }

  /**
   * Log-probabilities of every row's (position, target) pairs: `values[row][positionIndex * targets + t]`,
   * running the segments of `tree` (buildPrefixTree over the rows) in the order tree-schedule.ts gives:
   * shared prefixes deepest first, so a subtree's caches are freed before the next one's are made, and
   * the leaves pooled and batched by width.
   */
  private async scoreRows(
    rows: ScoringRow[],
    softVectors: Float32Array,
    tree: Segment[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<Float64Array[]> {
    const values = rows.map((row) => new Float64Array(row.positions.length * row.targets.length));
    const kv = new Map<number, SegmentKv>();
    const pendingBelow = tree.map(() => 0);
    tree.forEach((_, s) => ancestorsOf(tree, s).forEach((a) => pendingBelow[a]++));
    let ready = tree.flatMap((segment, s) => (segment.parent < 0 ? [s] : []));
    let done = 0;
    while (ready.length > 0) {
      const batches = nextBatches(ready, tree, this.cost, this.settings);
      for (const batch of batches) {
        const keep = batch.some((s) => tree[s].children.length > 0);
        const { logprob, kept } = await this.runSegments(batch, tree, rows, softVectors, kv, keep);
        batch.forEach((s, b) => {
          for (const read of tree[s].reads) {
            const row = rows[read.row];
            row.targets.forEach((token, t) => (values[read.row][read.positionIndex * row.targets.length + t] = logprob(b, read.offset, token)));
          }
          done += tree[s].rowsEnding;
        });
        for (const [s, stored] of kept) kv.set(s, stored);
        for (const s of batch) {
          for (const a of ancestorsOf(tree, s)) if (--pendingBelow[a] === 0) kv.delete(a);
        }
        onProgress?.(done, rows.length);
      }
      const ran = new Set(batches.flat());
      ready = ready.filter((s) => !ran.has(s)).concat([...ran].flatMap((s) => tree[s].children));
    }
    return values;
  }

  /**
   * Checks requests (with k soft vectors) against the vocabulary and max_position_embeddings; scoring
   * does too, but a caller that names its requests (`where`) gets a line the user can act on.
   */
  checkRequests(requests: readonly ScoreRequest[], k: number, where?: (i: number) => string): void {
    checkRequests(requests, k, { vocab: this.embeddingTable.vocab, maxPositions: this.config.maxPositions }, where);
  }

  private flatRun(): FlatRun {
    const { config } = this.folder;
    return {
      session: this.session,
      facts: this.facts,
      hidden: this.hidden,
      kvHeads: this.kvHeads,
      headDim: this.headDim,
      fits: (rows, width, positions) => flatBatchBytes(config, rows, width, positions) <= this.settings.batchMemory,
      runCost: this.provider === 'cpu' ? this.cost.perRun : gpuRunCost(this.folder.config),
    };
  }

  /** Tokens that end a generated text: the model's EOS and the end-of-turn tokens its vocabulary has as single tokens. */
  get stopTokenIds(): number[] {
    const ids = new Set<number>();
    if (this.config.eosTokenId !== undefined) ids.add(this.config.eosTokenId);
    for (const text of [this.tokenizer.eosToken, ...END_OF_TURN]) {
      const id = text === undefined ? undefined : this.tokenizer.specialTokenId(text);
      if (id !== undefined) ids.add(id);
    }
    return [...ids].sort((a, b) => a - b);
  }

  /**
   * Greedy continuations of the prompts under each soft prompt (placed as scoring places it), decoded
   * on the tree plan's graph with its KV cache (generate.ts).
   */
  /** Refuses, in one line, a model that cannot generate: generation needs the tree plan's graph with a KV cache. */
  checkGeneration(): void {
    if (this.plan !== 'tree') throw new UserError(`generating text needs the tree plan's graph with its KV cache; this model runs the ${this.plan} plan: add --plan tree`);
    if (!this.supportsPrefixReuse) throw new UserError('generating text needs a graph with a KV cache; this export has no past_key_values inputs');
  }

  async generate(prompts: readonly number[][], softPrompts: readonly (SoftPrompt | undefined)[], options: GenerateOptions): Promise<number[][][]> {
    this.checkGeneration();
    const used = softPrompts.map((prompt) => (prompt && prompt.k > 0 ? prompt : undefined));
    const k = Math.max(0, ...used.map((prompt) => prompt?.k ?? 0));
    // Bounded first: the check below builds a stand-in option of that many tokens.
    checkNewTokens(options.maxNewTokens, this.config.maxPositions);
    // The generated tokens but the last take positions as an option's tokens do.
    this.checkRequests(prompts.map((ids) => ({ ids, options: [new Array<number>(options.maxNewTokens).fill(0)] })), k);
    const softVectors = new Float32Array(used.reduce((sum, prompt) => sum + (prompt?.data.length ?? 0), 0));
    const n = options.sampling?.n ?? 1;
    if (options.sampling) checkSampling(options.sampling);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n samples must be an integer >= 1 (got ${n})`);
    const repeated = prompts.flatMap((ids) => new Array<number[]>(n).fill(ids));
    const sequences: number[][] = [];
    let base = 0;
    for (const prompt of used) {
      if (prompt) softVectors.set(prompt.data.subarray(0, prompt.k * this.hidden), base * this.hidden);
      for (const ids of repeated) {
        const length = prompt?.k ?? 0;
        const row = { ids, soft: { at: softInsertIndex(ids, options.placement ?? 'start', this.bosTokenId, length), base, length } };
        sequences.push(Array.from({ length: ids.length + length }, (_, p) => virtualToken(row, p)));
      }
      base += prompt?.k ?? 0;
    }
    const texts = await generateGreedy(
      {
        session: this.session,
        facts: this.facts,
        hidden: this.hidden,
        embed: (tokens, out, offset) => tokens.forEach((token, i) => this.writeEmbedding(token, softVectors, out, offset + i * this.hidden)),
        floatTensor: (values, dims) => this.floatTensor(values, dims),
        emptyPast: (batch) => {
          const past = this.emptyPast(batch);
          return [...past.keys, ...past.values];
        },
        rowsFor: (length) => Math.min(this.settings.maxBatchRows, Math.floor(this.settings.tokensPerBatch / length)),
        maskedGaps: this.reusesPrefix,
        vocab: this.embeddingTable.vocab,
      },
      sequences,
      { maxNewTokens: options.maxNewTokens, stopIds: this.stopTokenIds, ...(options.sampling && { sampling: options.sampling }) },
    );
    return used.map((_, c) => texts.slice(c * repeated.length, (c + 1) * repeated.length));
  }

  async score(requests: ScoreRequest[], options: ScoreOptions = {}): Promise<number[][]> {
    const [results] = await this.scoreCandidates(requests, [options.softPrompt], options);
    return results;
  }

  /**
   * Scores the same requests under several soft prompts (a DE population) in one pass: their rows
   * form one prefix tree with a root per prompt, so the small batches near the roots fill up.
   */
  async scoreCandidates(
    requests: ScoreRequest[],
    softPrompts: readonly (SoftPrompt | undefined)[],
    options: Omit<ScoreOptions, 'softPrompt'> = {},
  ): Promise<number[][][]> {
    const used = softPrompts.map((prompt) => (prompt && prompt.k > 0 ? prompt : undefined));
    for (const prompt of used) {
      if (prompt && prompt.hidden !== this.hidden) throw new UserError(`the soft prompt has hidden size ${prompt.hidden}, the model ${this.hidden}`);
    }
    this.checkRequests(requests, Math.max(0, ...used.map((prompt) => prompt?.k ?? 0)));
    const softVectors = new Float32Array(used.reduce((sum, prompt) => sum + (prompt?.data.length ?? 0), 0));
    const rows: ScoringRow[] = [];
    const firstRow: number[] = [];
    let base = 0;
    for (const prompt of used) {
      if (prompt) softVectors.set(prompt.data.subarray(0, prompt.k * this.hidden), base * this.hidden);
      firstRow.push(rows.length);
      rows.push(...planRows(requests, prompt, options.placement ?? 'start', this.bosTokenId, base));
      base += prompt?.k ?? 0;
    }
    const values =
      this.plan === 'flat'
        ? await scoreFlat(this.flatRun(), rows, softVectors, options.onProgress)
        : await this.scoreRows(rows, softVectors, buildPrefixTree(rows, this.reusesPrefix, this.cost.perRun), options.onProgress);
    return used.map((_, c) => {
      const results = requests.map((r) => new Array<number>(r.options.length).fill(0));
      const end = firstRow[c + 1] ?? rows.length;
      for (let r = firstRow[c]; r < end; r++) {
        const row = rows[r];
        for (const read of row.reads) {
          let sum = 0;
          for (const [p, t] of read.pairs) sum += values[r][p * row.targets.length + t];
          results[read.request][read.option] = sum;
        }
      }
      return results;
    });
  }
}

/** On a GPU: a share of the memory free once the weights are loaded, where the driver tells it. */
function defaultBatchMemory(provider: string): number {
  const free = provider === 'cpu' ? undefined : gpuFreeBytes(gpuIndex(provider));
  return free !== undefined ? Math.floor(free * FREE_MEMORY_SHARE) : DEFAULT_BATCH_MEMORY;
}

export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LlamaModel> {
  return LlamaModel.load(dir, options);
}
