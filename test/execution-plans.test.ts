import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadModel, type LlamaModel } from '../src/model/llama-model.ts';
import { loadPreparedModel } from '../src/model/prepared-cache.ts';
import { decodeModel, encodeModel } from '../src/model/prepare-graph.ts';
import { inferElemTypes } from '../src/model/half-precision.ts';
import { flatBatches, scoreFlat } from '../src/model/flat-plan.ts';
import { planForProvider } from '../src/model/execution-plan.ts';
import { planRows } from '../src/model/scoring-plan.ts';
import { DataType, toNumber, type ModelProto } from '../src/model/onnx-proto.ts';
import { readBytes } from '../src/model/tensor-data.ts';
import { bfloat16ArrayToFloat32, float32ArrayToBfloat16 } from '../src/embedding/fp16.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import type { ScoreRequest, SoftPrompt } from '../src/model/types.ts';
import { FIXTURES } from './helpers/paths.ts';
import { runCli } from './helpers/cli.ts';

const dir = path.join(FIXTURES, 'llama-f32');
const cacheDir = path.join(FIXTURES, '.prepared');

function worstDifference(a: number[][][], b: number[][][]): number {
  let worst = 0;
  a.forEach((candidate, c) => candidate.forEach((row, r) => row.forEach((v, o) => (worst = Math.max(worst, Math.abs(v - b[c][r][o]))))));
  return worst;
}

describe('flat batches (length buckets)', () => {
  /** Every split of the sorted rows into consecutive batches, by brute force. */
  function bestCost(lengths: number[], fits: (rows: number, width: number) => boolean, runCost: number): number {
    const sorted = [...lengths].sort((a, b) => a - b);
    let best = Infinity;
    for (let mask = 0; mask < 2 ** (sorted.length - 1); mask++) {
      let cost = 0;
      let first = 0;
      for (let i = 0; i < sorted.length; i++) {
        if (i === sorted.length - 1 || mask & (1 << i)) {
          const rows = i + 1 - first;
          if (rows > 1 && !fits(rows, sorted[i])) cost = Infinity;
          cost += runCost + rows * sorted[i];
          first = i + 1;
        }
      }
      best = Math.min(best, cost);
    }
    return best;
  }

  it('covers every row once, respects the budget and finds the cheapest split of the sorted rows', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 40; trial++) {
      const lengths = Array.from({ length: 1 + Math.floor(random() * 10) }, () => 1 + Math.floor(random() * 40));
      const budget = 20 + Math.floor(random() * 120);
      const runCost = Math.floor(random() * 30);
      const fits = (rows: number, width: number) => rows * width <= budget;
      const batches = flatBatches(lengths, fits, runCost);
      expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
      let cost = 0;
      for (const batch of batches) {
        const width = Math.max(...batch.map((r) => lengths[r]));
        if (batch.length > 1) expect(batch.length * width).toBeLessThanOrEqual(budget);
        cost += runCost + batch.length * width;
      }
      expect(cost).toBe(bestCost(lengths, fits, runCost));
    }
  });
});

describe('execution plans on the fp32 fixture (CPU provider)', () => {
  let tree: LlamaModel;
  let flat: LlamaModel;
  let requests: ScoreRequest[];
  const runs: number[] = [];
  beforeAll(async () => {
    tree = await loadModel(dir, { device: 'cpu', cacheDir });
    // A small batch memory: the population's rows take many flat runs.
    flat = await loadModel(dir, { device: 'cpu', cacheDir, plan: 'flat', batchMemory: 4e6 });
    const survey = prepareInstrument(tree.tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined).requests;
    // Beside the survey: multi-token options, one a prefix of another.
    requests = [...survey, { ids: survey[3].ids.slice(0, 30), options: [[450, 4996], [450], [29896, 29906, 29941]] }];
  });
  afterAll(async () => {
    await tree.dispose();
    await flat.dispose();
  });

  const rowsOf = (ids: number[]): SoftPrompt => {
    const d = tree.hidden;
    const data = new Float32Array(ids.length * d);
    ids.forEach((id, i) => data.set(tree.embeddingTable.data.subarray(id * d, id * d + d), i * d));
    // Not quite token embeddings: soft vectors off the vocabulary.
    return { k: ids.length, hidden: d, data: data.map((v, i) => v + 0.1 * Math.sin(i)) };
  };

  it('the chooser picks the tree on the CPU and flat batches elsewhere, unless told', () => {
    expect(planForProvider('auto', 'cpu')).toBe('tree');
    expect(planForProvider('auto', 'cuda:0')).toBe('flat');
    expect(planForProvider('auto', 'webgpu')).toBe('flat');
    expect(planForProvider('flat', 'cpu')).toBe('flat');
    expect(tree.plan).toBe('tree');
    expect(tree.reusesPrefix).toBe(true);
    expect(flat.plan).toBe('flat');
    expect(flat.reusesPrefix).toBe(false);
  });

  it.each(['start', 'after-bos'] as const)('flat batches give the prefix tree\'s log-probs (several candidates, k = 0, placement %s)', async (placement) => {
    const prompts = [rowsOf([1701, 29916]), undefined, rowsOf([432, 17204, 975, 278]), { k: 0, hidden: tree.hidden, data: new Float32Array(0) }, rowsOf([1701, 29916])];
    const expected = await tree.scoreCandidates(requests, prompts, { placement });
    runs.length = 0;
    const got = await flat.scoreCandidates(requests, prompts, { placement, onProgress: (done) => runs.push(done) });
    expect(worstDifference(got, expected)).toBeLessThan(1e-5);
    expect(runs.length).toBeGreaterThan(10);
    // The duplicate candidate scores identically, and k = 0 is no soft prompt at all.
    expect(got[4]).toEqual(got[0]);
    expect(got[3]).toEqual(got[1]);
  });

  it('without soft prompts too (the graph is fed one unused soft row)', async () => {
    const [expected, got] = [await tree.score(requests.slice(0, 12)), await flat.score(requests.slice(0, 12))];
    expect(worstDifference([got], [expected])).toBeLessThan(1e-5);
  });
});

describe('half precision from an fp32 export', () => {
  const prepared = (plan: 'tree' | 'flat', dtype?: 'float16' | 'bfloat16') => loadPreparedModel(path.join(dir, 'model.onnx'), { cacheDir, plan, dtype });

  it('fp16 (tree and flat plans) stays within 5e-3 of fp32 on the survey', async () => {
    const reference = await loadModel(dir, { device: 'cpu', cacheDir });
    const { requests } = prepareInstrument(reference.tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined);
    const d = reference.hidden;
    const soft = { k: 3, hidden: d, data: reference.embeddingTable.data.slice(500 * d, 503 * d) };
    const expected = await reference.scoreCandidates(requests, [soft, undefined]);
    await reference.dispose();
    for (const plan of ['tree', 'flat'] as const) {
      const half = await loadModel(dir, { device: 'cpu', cacheDir, plan, dtype: 'float16' });
      expect(half.precision).toBe('float16');
      expect(half.dtype).toBe('float32');
      const got = await half.scoreCandidates(requests, [soft, undefined]);
      await half.dispose();
      const worst = worstDifference(got, expected);
      expect(worst).toBeLessThan(5e-3);
      // Half precision did change the numbers: the graph is not secretly fp32.
      expect(worst).toBeGreaterThan(1e-6);
    }
  });

  it.each(['float16', 'bfloat16'] as const)('%s, tree plan: weights, matrix products and softmax in half, the norm chains and log-sum-exp in fp32, the interface in fp32', (dtype) => {
    const { graphPath, facts } = prepared('tree', dtype);
    expect(facts.computeDtype).toBe(dtype);
    const graph = decodeModel(fs.readFileSync(graphPath)).graph!;
    const types = inferElemTypes(graph);
    const HALF = dtype === 'bfloat16' ? DataType.BFLOAT16 : DataType.FLOAT16;
    const inputTypes = (op: string) => [...new Set(graph.node!.filter((n) => n.opType === op).flatMap((n) => n.input!.filter((i) => i).map((i) => types.get(i))))];
    expect(inputTypes('MatMul')).toEqual([HALF]);
    expect(inputTypes('Softmax')).toEqual([HALF]);
    expect(inputTypes('ReduceMean')).toEqual([DataType.FLOAT]);
    expect(inputTypes('Sqrt')).toEqual([DataType.FLOAT]);
    expect(inputTypes('ReduceLogSumExp')).toEqual([DataType.FLOAT]);
    // Each norm squares x in fp32: the Mul feeding a ReduceMean.
    const squares = graph.node!.filter((n) => n.opType === 'Mul' && n.input![0] === n.input![1]);
    expect(squares.length).toBe(5);
    for (const n of squares) expect(types.get(n.input![0])).toBe(DataType.FLOAT);
    for (const io of [...graph.input!, ...graph.output!]) expect([DataType.FLOAT, DataType.INT64]).toContain(io.type!.tensorType!.elemType);
    const weights = graph.initializer!.filter((t) => (t.dims ?? []).length === 2);
    expect(weights.length).toBeGreaterThan(10);
    for (const t of weights) expect(t.dataType).toBe(HALF);
  });

  it.each(['float16', 'bfloat16'] as const)('%s, flat plan: every norm is one SimplifiedLayerNormalization on half tensors, no Concat copies an empty KV cache, and Casts are few', (dtype) => {
    const graph = decodeModel(fs.readFileSync(prepared('flat', dtype).graphPath)).graph!;
    const types = inferElemTypes(graph);
    const HALF = dtype === 'bfloat16' ? DataType.BFLOAT16 : DataType.FLOAT16;
    const norms = graph.node!.filter((n) => n.opType === 'SimplifiedLayerNormalization');
    expect(norms.length).toBe(5);
    for (const n of norms) expect(n.input!.map((i) => types.get(i))).toEqual([HALF, HALF]);
    expect(graph.node!.some((n) => n.opType === 'ReduceMean' || n.opType === 'Sqrt')).toBe(false);
    expect(graph.node!.some((n) => n.input!.some((i) => i.startsWith('past_key_values')))).toBe(false);
    expect(graph.input!.some((i) => i.name!.startsWith('past_key_values'))).toBe(false);
    // The embedding selection, mask and rotary tables and the head: a fixed handful, none per layer.
    expect(graph.node!.filter((n) => n.opType === 'Cast').length).toBeLessThan(12);
  });

  it('bf16: the graph is the fp16 graph with bfloat16 for float16, onnxruntime resolves it, and the CPU provider has no bf16 kernels', async () => {
    const bf16 = decodeModel(fs.readFileSync(prepared('flat', 'bfloat16').graphPath));
    const fp16 = decodeModel(fs.readFileSync(prepared('flat', 'float16').graphPath));
    const shape = (model: ModelProto, from: number) =>
      JSON.stringify(model.graph!.node!.map((n) => [n.opType, n.input, n.output, (n.attribute ?? []).map((a) => [a.name, toNumber(a.i) === from ? 'half' : toNumber(a.i ?? 0)])]))
        .replaceAll(from === DataType.BFLOAT16 ? 'bfloat16' : 'float16', 'half');
    expect(shape(bf16, DataType.BFLOAT16)).toBe(shape(fp16, DataType.FLOAT16));
    // Graph resolution (types checked op by op) passes; the CPU provider then lacks bf16 kernels.
    await expect(loadModel(dir, { device: 'cpu', cacheDir, plan: 'flat', dtype: 'bfloat16' })).rejects.toThrow(/Could not find an implementation for \w+\(\d+\) node/);
  });

  it('bf16 weights, decoded and run in fp32, score within bf16 rounding of fp32 (the casts and fp32 islands are wired right)', async () => {
    const { graphPath, externalDataDir, facts } = prepared('flat', 'bfloat16');
    const model = decodeModel(fs.readFileSync(graphPath));
    // Retype: bf16 tensors become fp32 holding the bf16-rounded values; every Cast to bf16 becomes a no-op Cast to fp32.
    for (const n of model.graph!.node!) for (const a of n.attribute ?? []) if (a.name === 'to' && toNumber(a.i) === DataType.BFLOAT16) a.i = DataType.FLOAT;
    for (const t of model.graph!.initializer!) {
      if (t.dataType !== DataType.BFLOAT16) continue;
      const count = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
      const bytes = readBytes(t, externalDataDir, 2 * count);
      const values = bfloat16ArrayToFloat32(new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 2 * count)));
      Object.assign(t, { dataType: DataType.FLOAT, rawData: new Uint8Array(values.buffer), externalData: [], dataLocation: 0 });
    }
    const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 4 });
    const reference = await loadModel(dir, { device: 'cpu', cacheDir, plan: 'flat' });
    try {
      const { requests } = prepareInstrument(reference.tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined);
      const rows = planRows(requests, undefined, 'start', reference.bosTokenId);
      const run = { session, facts, hidden: reference.hidden, kvHeads: reference.config.kvHeads, headDim: reference.config.headDim, fits: () => true, runCost: 0 };
      const emulated = await scoreFlat(run, rows, new Float32Array(0));
      const exact = await reference.score(requests);
      let worst = 0;
      rows.forEach((row, r) => row.reads.forEach((read) => (worst = Math.max(worst, Math.abs(emulated[r][read.pairs[0][1]] - exact[read.request][read.option])))));
      expect(worst).toBeLessThan(0.05);
      expect(worst).toBeGreaterThan(1e-5);
    } finally {
      await session.release();
      await reference.dispose();
    }
  });

  it('bf16 rounding is to nearest, ties to even, against float32 arithmetic', () => {
    const values = Float32Array.of(1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -7 + 2 ** -9, -3.4028234663852886e38, 1e-40, NaN, Infinity);
    const back = bfloat16ArrayToFloat32(float32ArrayToBfloat16(values));
    expect(Array.from(back.slice(0, 4))).toEqual([1, 1, 1 + 2 ** -6, 1 + 2 ** -7]);
    expect(back[4]).toBe(-Infinity);
    // Subnormals keep their spacing of 2^-133: within half of it.
    expect(Math.abs(back[5] - 1e-40)).toBeLessThanOrEqual(2 ** -134);
    expect(back[6]).toBeNaN();
    expect(back[7]).toBe(Infinity);
  });

  it('each plan and precision has its own cache entry; a converted graph carries its weights in the prepared folder', () => {
    const entries = [prepared('tree'), prepared('flat'), prepared('flat', 'bfloat16')];
    expect(new Set(entries.map((e) => path.dirname(e.graphPath))).size).toBe(3);
    expect(entries.map((e) => [e.facts.plan, e.facts.computeDtype])).toEqual([['tree', 'float32'], ['flat', 'float32'], ['flat', 'bfloat16']]);
    expect(entries[1].externalDataDir).toBe(dir);
    expect(entries[2].externalDataDir).toBe(path.dirname(entries[2].graphPath));
    expect(fs.existsSync(path.join(entries[2].externalDataDir, 'model.onnx_data'))).toBe(true);
    // The tree graph takes embeddings and returns KV; the flat one takes ids and soft vectors and returns none.
    expect(entries[0].facts.presentKeyNames.length).toBe(2);
    expect(entries[1].facts.presentKeyNames).toEqual([]);
  });

  it('an fp16 export loads as it comes and refuses a conversion', async () => {
    const f16 = path.join(FIXTURES, 'llama-f16');
    await expect(loadModel(f16, { device: 'cpu', cacheDir, dtype: 'bfloat16' })).rejects.toThrow(/converting to bfloat16 needs an fp32 export; this one is float16/);
    const flat = await loadModel(f16, { device: 'cpu', cacheDir, plan: 'flat' });
    const tree = await loadModel(f16, { device: 'cpu', cacheDir });
    try {
      const { requests } = prepareInstrument(tree.tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined);
      const soft = { k: 2, hidden: tree.hidden, data: tree.embeddingTable.data.slice(0, 2 * tree.hidden) };
      expect(flat.precision).toBe('float16');
      expect(worstDifference([await flat.score(requests, { softPrompt: soft })], [await tree.score(requests, { softPrompt: soft })])).toBeLessThan(2e-3);
    } finally {
      await flat.dispose();
      await tree.dispose();
    }
  });
});

describe('exact fp32 on CUDA', () => {
  it('is the default: TF32 is switched off (NVIDIA_TF32_OVERRIDE=0) before the CUDA provider starts; tf32 leaves it on', async () => {
    const tryCuda = (tf32: boolean) => loadModel(dir, { device: 'cuda', cacheDir, tf32 }).then((m) => m.dispose(), () => undefined);
    delete process.env.NVIDIA_TF32_OVERRIDE;
    await tryCuda(true);
    expect(process.env.NVIDIA_TF32_OVERRIDE).toBeUndefined();
    await tryCuda(false);
    expect(process.env.NVIDIA_TF32_OVERRIDE).toBe('0');
  });
});

describe('CLI: --plan and --dtype', () => {
  const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
  let input: string;
  beforeAll(() => {
    input = path.join(FIXTURES, '.cache', 'plan-prompts.jsonl');
    fs.mkdirSync(path.dirname(input), { recursive: true });
    fs.writeFileSync(input, '{"id": 1, "ids": [1, 450, 1234], "option_ids": [29896, 29906]}\n');
  });

  it('--plan flat scores like the default tree plan and says which plan ran', () => {
    const tree = runCli(['score', '--model', dir, '--input', input, '--device', 'cpu'], { env });
    const flat = runCli(['score', '--model', dir, '--input', input, '--device', 'cpu', '--plan', 'flat'], { env });
    expect(tree.stderr).toMatch(/on cpu, tree plan \(float32/);
    expect(flat.stderr).toMatch(/on cpu, flat plan \(float32/);
    const [a, b] = [JSON.parse(tree.stdout).logprobs, JSON.parse(flat.stdout).logprobs];
    a.forEach((v: number, i: number) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
  });

  it.each([
    [['--plan', 'fast'], /^cultune: unknown plan "fast": use auto, tree or flat$/],
    [['--dtype', 'int8'], /^cultune: unknown dtype "int8": use auto, fp32, fp16 or bf16$/],
    [['--gpu-memory', '-1'], /^cultune: option '--gpu-memory <GiB>' argument '-1' is invalid\. expected a number > 0, got "-1"$/],
  ])('%s is one line and a non-zero exit', (flags, message) => {
    const run = runCli(['score', '--model', dir, '--input', input, '--device', 'cpu', ...flags], { env });
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim()).toMatch(message);
  });
});
