import { onnx, DataType, type ModelProto } from '../model/onnx-proto.ts';
import { tensorValueInfo } from '../model/onnx-builder.ts';
import { GraphWriter } from './graph-writer.ts';
import { NormalSampler } from '../util/seeded-random.ts';

/** The shape of a Llama decoder, with Hugging Face's config.json names in mind. */
export interface LlamaSpec {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  maxPositions: number;
  ropeTheta: number;
  rmsEps: number;
  dtype: 'float32' | 'float16';
  /** Include past_key_values inputs and present outputs (optimum's "with past" export). */
  withPast: boolean;
  bosTokenId: number;
  eosTokenId: number;
}

export const SHAPES = {
  tiny: { vocab: 0, hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128 },
  'smollm-135m': { vocab: 49152, hidden: 576, layers: 30, heads: 9, kvHeads: 3, intermediate: 1536 },
  'llama-3.2-1b': { vocab: 128256, hidden: 2048, layers: 16, heads: 32, kvHeads: 8, intermediate: 8192 },
} as const;

/**
 * Builds a Llama decoder as standard-op ONNX, laid out like optimum's export (input_ids,
 * attention_mask, position_ids, past_key_values.N.key/value -> logits, present.N.key/value),
 * with seeded random weights. The computation follows transformers' LlamaForCausalLM (eager):
 * RMSNorm in fp32, rotate-half RoPE, grouped-query attention, SiLU-gated MLP, untied LM head.
 */
export function buildLlamaGraph(spec: LlamaSpec, seed: string): { model: ModelProto; writer: GraphWriter } {
  const w = new GraphWriter(spec.dtype);
  const rng = new NormalSampler(seed);
  const headDim = spec.hidden / spec.heads;
  const groups = spec.heads / spec.kvHeads;
  const f32 = DataType.FLOAT;

  const matrix = (name: string, rows: number, cols: number, std: number) => w.addWeight(name, rng.fill(rows * cols, 0, std), [rows, cols]);
  const normWeight = (name: string) => w.addWeight(name, rng.fill(spec.hidden, 1, 0.1), [spec.hidden]);

  const rmsNorm = (scope: string, x: string, weight: string) => {
    const x32 = spec.dtype === 'float32' ? x : w.op(scope, 'Cast', [x], { to: f32 });
    const squared = w.op(scope, 'Mul', [x32, x32]);
    const variance = w.op(scope, 'ReduceMean', [squared], { axes: [-1], keepdims: 1 });
    const eps = w.op(scope, 'Add', [variance, epsilon32]);
    const normed = w.op(scope, 'Div', [x32, w.op(scope, 'Sqrt', [eps])]);
    const back = spec.dtype === 'float32' ? normed : w.op(scope, 'Cast', [normed], { to: w.elemType });
    return w.op(scope, 'Mul', [weight, back]);
  };
  const epsilon32 = '/constants/rms_epsilon';
  const epsilonTensor = { name: epsilon32, dataType: f32, dims: [], floatData: [spec.rmsEps] };

  // Masks: allowed(b, i, j) = attention_mask[b, j] && j <= past + i.
  const scope = '/model';
  const idsShape = w.op(scope, 'Shape', ['input_ids']);
  const seqLen = w.op(scope, 'Gather', [idsShape, w.int64([1], true)], { axis: 0 });
  const totalLen = w.op(scope, 'Gather', [w.op(scope, 'Shape', ['attention_mask']), w.int64([1], true)], { axis: 0 });
  const pastLen = w.op(scope, 'Sub', [totalLen, seqLen]);
  const one = w.int64([1], true);
  const queryPositions = w.op(scope, 'Range', [pastLen, totalLen, one]);
  const keyPositions = w.op(scope, 'Range', [w.int64([0], true), totalLen, one]);
  const future = w.op(scope, 'Greater', [w.op(scope, 'Unsqueeze', [keyPositions, w.int64([0])]), w.op(scope, 'Unsqueeze', [queryPositions, w.int64([1])])]);
  const causal = w.op(scope, 'Unsqueeze', [w.op(scope, 'Not', [future]), w.int64([0, 1])]);
  const padding = w.op(scope, 'Unsqueeze', [w.op(scope, 'Cast', ['attention_mask'], { to: DataType.BOOL }), w.int64([1, 2])]);
  const allowed = w.op(scope, 'And', [causal, padding]);
  const lowest = spec.dtype === 'float16' ? -65504 : -3.4028234663852886e38;
  const bias4 = w.op(scope, 'Where', [allowed, w.float(0), w.float(lowest)]);
  const bias = w.op(scope, 'Unsqueeze', [bias4, w.int64([2])]); // [B, 1, 1, S, T] for grouped heads

  // Rotary tables [maxPositions, headDim], gathered by position_ids.
  const half = headDim / 2;
  const cosTable = new Float32Array(spec.maxPositions * headDim);
  const sinTable = new Float32Array(spec.maxPositions * headDim);
  for (let p = 0; p < spec.maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const invFreq = Math.fround(1 / spec.ropeTheta ** ((2 * i) / headDim));
      const angle = Math.fround(p * invFreq);
      for (const j of [i, i + half]) {
        cosTable[p * headDim + j] = Math.cos(angle);
        sinTable[p * headDim + j] = Math.sin(angle);
      }
    }
  }
  w.addWeight('/model/rotary_emb/cos_cached', cosTable, [spec.maxPositions, headDim]);
  w.addWeight('/model/rotary_emb/sin_cached', sinTable, [spec.maxPositions, headDim]);
  const cos = w.op(scope, 'Gather', ['/model/rotary_emb/cos_cached', 'position_ids'], { axis: 0 });
  const sin = w.op(scope, 'Gather', ['/model/rotary_emb/sin_cached', 'position_ids'], { axis: 0 });
  const cosK = w.op(scope, 'Unsqueeze', [cos, w.int64([1])]);
  const sinK = w.op(scope, 'Unsqueeze', [sin, w.int64([1])]);
  const cosQ = w.op(scope, 'Unsqueeze', [cos, w.int64([1, 2])]);
  const sinQ = w.op(scope, 'Unsqueeze', [sin, w.int64([1, 2])]);
  const rotate = (s: string, x: string, c: string, sn: string) => {
    const [x1, x2] = w.opMulti(s, 'Split', [x, w.int64([half, half])], 2, { axis: -1 });
    const rotated = w.op(s, 'Concat', [w.op(s, 'Neg', [x2]), x1], { axis: -1 });
    return w.op(s, 'Add', [w.op(s, 'Mul', [x, c]), w.op(s, 'Mul', [rotated, sn])]);
  };

  w.addWeight('model.embed_tokens.weight', rng.fill(spec.vocab * spec.hidden, 0, 1), [spec.vocab, spec.hidden]);
  let h = w.op('/model/embed_tokens', 'Gather', ['model.embed_tokens.weight', 'input_ids'], { axis: 0 });
  let weightIndex = 0;
  const linearName = () => `onnx::MatMul_${1000 + weightIndex++}`;
  const scale = 1 / Math.sqrt(headDim);

  for (let l = 0; l < spec.layers; l++) {
    const s = `/model/layers.${l}`;
    const x = rmsNorm(`${s}/input_layernorm`, h, normWeight(`model.layers.${l}.input_layernorm.weight`));
    const a = `${s}/self_attn`;
    const q = w.op(a, 'MatMul', [x, matrix(linearName(), spec.hidden, spec.heads * headDim, 1 / Math.sqrt(spec.hidden))]);
    const k = w.op(a, 'MatMul', [x, matrix(linearName(), spec.hidden, spec.kvHeads * headDim, 1 / Math.sqrt(spec.hidden))]);
    const v = w.op(a, 'MatMul', [x, matrix(linearName(), spec.hidden, spec.kvHeads * headDim, 1 / Math.sqrt(spec.hidden))]);
    const q5 = w.op(a, 'Transpose', [w.op(a, 'Reshape', [q, w.int64([0, 0, spec.kvHeads, groups, headDim])])], { perm: [0, 2, 3, 1, 4] });
    const k4 = w.op(a, 'Transpose', [w.op(a, 'Reshape', [k, w.int64([0, 0, spec.kvHeads, headDim])])], { perm: [0, 2, 1, 3] });
    const v4 = w.op(a, 'Transpose', [w.op(a, 'Reshape', [v, w.int64([0, 0, spec.kvHeads, headDim])])], { perm: [0, 2, 1, 3] });
    const qr = rotate(a, q5, cosQ, sinQ);
    const kr = rotate(a, k4, cosK, sinK);
    const keys = spec.withPast ? w.named('Concat', [`past_key_values.${l}.key`, kr], `present.${l}.key`, { axis: 2 }) : kr;
    const values = spec.withPast ? w.named('Concat', [`past_key_values.${l}.value`, v4], `present.${l}.value`, { axis: 2 }) : v4;
    const k5t = w.op(a, 'Transpose', [w.op(a, 'Unsqueeze', [keys, w.int64([2])])], { perm: [0, 1, 2, 4, 3] });
    const v5 = w.op(a, 'Unsqueeze', [values, w.int64([2])]);
    const scores = w.op(a, 'Add', [w.op(a, 'Mul', [w.op(a, 'MatMul', [qr, k5t]), w.float(scale)]), bias]);
    const probs =
      spec.dtype === 'float32'
        ? w.op(a, 'Softmax', [scores], { axis: -1 })
        : w.op(a, 'Cast', [w.op(a, 'Softmax', [w.op(a, 'Cast', [scores], { to: f32 })], { axis: -1 })], { to: w.elemType });
    const context = w.op(a, 'Transpose', [w.op(a, 'MatMul', [probs, v5])], { perm: [0, 3, 1, 2, 4] });
    const merged = w.op(a, 'Reshape', [context, w.int64([0, 0, spec.heads * headDim])]);
    h = w.op(s, 'Add', [h, w.op(a, 'MatMul', [merged, matrix(linearName(), spec.heads * headDim, spec.hidden, 1 / Math.sqrt(spec.hidden))])]);

    const m = `${s}/mlp`;
    const y = rmsNorm(`${s}/post_attention_layernorm`, h, normWeight(`model.layers.${l}.post_attention_layernorm.weight`));
    const gate = w.op(m, 'MatMul', [y, matrix(linearName(), spec.hidden, spec.intermediate, 1 / Math.sqrt(spec.hidden))]);
    const up = w.op(m, 'MatMul', [y, matrix(linearName(), spec.hidden, spec.intermediate, 1 / Math.sqrt(spec.hidden))]);
    const act = w.op(m, 'Mul', [gate, w.op(m, 'Sigmoid', [gate])]);
    const down = w.op(m, 'MatMul', [w.op(m, 'Mul', [act, up]), matrix(linearName(), spec.intermediate, spec.hidden, 1 / Math.sqrt(spec.intermediate))]);
    h = w.op(s, 'Add', [h, down]);
  }
  const final = rmsNorm('/model/norm', h, normWeight('model.norm.weight'));
  w.named('MatMul', [final, matrix(linearName(), spec.hidden, spec.vocab, 1 / Math.sqrt(spec.hidden))], 'logits');

  const kvDims = (name: string) => tensorValueInfo(name, w.elemType, ['batch_size', spec.kvHeads, name.startsWith('past') ? 'past_sequence_length' : 'total_sequence_length', headDim]);
  const layers = Array.from({ length: spec.layers }, (_, l) => l);
  const inputs = [
    tensorValueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
    tensorValueInfo('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']),
    tensorValueInfo('position_ids', DataType.INT64, ['batch_size', 'sequence_length']),
    ...(spec.withPast ? layers.flatMap((l) => [kvDims(`past_key_values.${l}.key`), kvDims(`past_key_values.${l}.value`)]) : []),
  ];
  const outputs = [
    tensorValueInfo('logits', w.elemType, ['batch_size', 'sequence_length', spec.vocab]),
    ...(spec.withPast ? layers.flatMap((l) => [kvDims(`present.${l}.key`), kvDims(`present.${l}.value`)]) : []),
  ];
  w.initializers.push(epsilonTensor);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'cultune',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: 14 }],
    graph: { name: 'main_graph', node: w.nodes, input: inputs, output: outputs, initializer: [] },
  });
  return { model, writer: w };
}
