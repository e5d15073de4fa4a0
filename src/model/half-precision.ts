import { DataType, type GraphProto, type NodeProto } from './onnx-proto.ts';
import { node } from './onnx-builder.ts';
import { graphLinks } from './graph-links.ts';
import { UserError } from '../util/errors.ts';
import { FP16_LARGEST, float32ArrayToBfloat16, float32ArrayToFloat16 } from '../embedding/fp16.ts';

/**
 * Converts a prepared fp32 graph to compute in fp16 or bf16, the way mixed-precision inference does
 * (transformers in bf16, onnxconverter-common's float16 pass): weights and the activation path in half
 * precision, and in fp32
 * - the RMSNorm chain (x², mean, + eps, sqrt, x / rms; only the weight multiply runs in half, as
 *   transformers' LlamaRMSNorm does; a norm fused into SimplifiedLayerNormalization takes half tensors
 *   and computes in fp32 inside), reductions and the log-sum-exp;
 * - rotary angles computed in the graph (Cos/Sin and the float work feeding them: bf16 cannot hold
 *   position x frequency to a useful precision), and Where (masks and the embedding selection: cheap,
 *   and ONNX allows bf16 Where only from opset 16).
 * The graph's interface does not change: float inputs and outputs stay fp32, with Casts inside, so the
 * plans feed and read a converted graph exactly as the fp32 one (JS has no bf16 arrays).
 */

export type ComputeDtype = 'float32' | 'float16' | 'bfloat16';
export type HalfDtype = Exclude<ComputeDtype, 'float32'>;

const FLOAT = DataType.FLOAT;

export function elemTypeOf(dtype: HalfDtype): number {
  return dtype === 'bfloat16' ? DataType.BFLOAT16 : DataType.FLOAT16;
}

/** Ops computed in fp32 whatever their neighbours: precision-critical, or cheap and restricted in bf16. */
// Softmax is not among them: it runs on half tensors, as flash attention's does, since onnxruntime's
// kernels (CPU and CUDA) accumulate in fp32 anyway, and casting the attention scores to fp32 and back
// was the largest of the Casts on a GPU (a [batch, heads, seq, seq] tensor twice a layer).
const FP32_OPS = new Set([
  'LogSoftmax', 'ReduceLogSumExp', 'ReduceMean', 'ReduceSum', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log',
  'Cos', 'Sin', 'Range', 'Where', 'Constant', 'ConstantOfShape',
]);

/** Element types of the outputs of ops whose output type is not their first input's. */
const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

function attributeOf(n: NodeProto, name: string) {
  return (n.attribute ?? []).find((a) => a.name === name);
}

/** The element type of every tensor of the graph, by ONNX's typing rules for the ops Llama exports use. */
export function inferElemTypes(graph: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const input of graph.input ?? []) types.set(input.name!, input.type?.tensorType?.elemType ?? 0);
  for (const t of graph.initializer ?? []) types.set(t.name!, t.dataType ?? 0);
  for (const n of graph.node ?? []) {
    if (n.domain && n.domain !== 'ai.onnx') {
      throw new UserError(`the graph uses ${n.domain} operator ${n.opType}; --dtype converts standard-op exports only: load this export in its own dtype`);
    }
    const first = types.get(n.input?.[0] ?? '') ?? 0;
    let type = first;
    if (n.opType === 'Cast') type = Number(attributeOf(n, 'to')!.i);
    else if (BOOL_OPS.has(n.opType!)) type = DataType.BOOL;
    else if (INT64_OPS.has(n.opType!)) type = DataType.INT64;
    else if (n.opType === 'Where') type = types.get(n.input![1]) ?? 0;
    else if (n.opType === 'ConstantOfShape') type = attributeOf(n, 'value')?.t?.dataType ?? FLOAT;
    else if (n.opType === 'Constant') {
      const a = n.attribute![0];
      type = a.t ? a.t.dataType! : a.name!.startsWith('value_float') ? FLOAT : a.name!.startsWith('value_int') ? DataType.INT64 : DataType.STRING;
    }
    for (const output of n.output ?? []) if (output) types.set(output, type);
  }
  return types;
}

/**
 * The nodes of each RMSNorm's fp32 chain: from the square (Pow(x, 2) or Mul(x, x)) feeding a
 * ReduceMean, along single consumers, to the node that applies the scale to x (Div(x, rms) or
 * Mul(x, 1/rms)). The weight multiply after it is not part of the chain.
 */
function normChains(graph: GraphProto, consumers: Map<string, NodeProto[]>, producers: Map<string, NodeProto>): Set<NodeProto> {
  const chain = new Set<NodeProto>();
  for (const mean of graph.node ?? []) {
    if (mean.opType !== 'ReduceMean') continue;
    const square = producers.get(mean.input![0]);
    if (!square || !(square.opType === 'Pow' || (square.opType === 'Mul' && square.input![0] === square.input![1]))) continue;
    const x = square.input![0];
    chain.add(square);
    let current = mean;
    for (;;) {
      chain.add(current);
      if (current !== mean && current.input!.includes(x)) break;
      const next = consumers.get(current.output![0]) ?? [];
      if (next.length !== 1 || !['Add', 'Sqrt', 'Reciprocal', 'Div', 'Mul'].includes(next[0].opType!)) break;
      current = next[0];
    }
  }
  return chain;
}

/** Float nodes upstream of Cos/Sin: the rotary angles (position x inverse frequency). */
function rotaryAngleNodes(graph: GraphProto, producers: Map<string, NodeProto>, types: Map<string, number>): Set<NodeProto> {
  const found = new Set<NodeProto>();
  const stack = (graph.node ?? []).filter((n) => n.opType === 'Cos' || n.opType === 'Sin');
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const input of n.input ?? []) {
      const p = producers.get(input);
      if (p && !found.has(p) && types.get(input) === FLOAT) {
        found.add(p);
        stack.push(p);
      }
    }
  }
  return found;
}

export interface HalfConversion {
  /** Initializers whose data must be converted to the half type (their dataType is already set). */
  convertedInitializers: Set<string>;
}

/** Rewrites `graph` in place to compute in `dtype` (see the module comment). */
export function convertToHalf(graph: GraphProto, dtype: HalfDtype): HalfConversion {
  const HALF = elemTypeOf(dtype);
  const types = inferElemTypes(graph);
  const nodes = graph.node ?? [];
  const { consumers, producers } = graphLinks(graph);
  const outputs = new Set((graph.output ?? []).map((o) => o.name!));
  const fp32 = new Set([...normChains(graph, consumers, producers), ...rotaryAngleNodes(graph, producers, types)]);
  for (const n of nodes) {
    if (FP32_OPS.has(n.opType!)) fp32.add(n);
    // A Cast that makes a graph output keeps making it in the interface's type.
    if (n.opType === 'Cast' && n.output!.some((o) => outputs.has(o))) fp32.add(n);
  }
  // So does a Cast to fp32 that only fp32 nodes read (the scoring head's logits before the log-sum-exp):
  // made a half Cast, it would round what those nodes are there to compute precisely.
  for (const n of nodes) {
    const readers = consumers.get(n.output![0]) ?? [];
    if (n.opType === 'Cast' && Number(attributeOf(n, 'to')!.i) === FLOAT && readers.length > 0 && readers.every((r) => fp32.has(r))) fp32.add(n);
  }
  const isFloat = (name: string) => types.get(name) === FLOAT;
  const half = new Set(nodes.filter((n) => !fp32.has(n) && [...(n.input ?? []), ...(n.output ?? [])].some(isFloat)));

  // New types of the fp32 tensors: half where a half node makes them, or where a half node reads an initializer.
  const newType = new Map<string, number>();
  for (const n of half) {
    if (n.opType === 'Cast') {
      const to = attributeOf(n, 'to')!;
      if (Number(to.i) === FLOAT) to.i = HALF;
    }
    for (const output of n.output ?? []) if (isFloat(output)) newType.set(output, HALF);
  }
  const convertedInitializers = new Set<string>();
  for (const t of graph.initializer ?? []) {
    if (t.dataType === FLOAT && (consumers.get(t.name!) ?? []).some((c) => half.has(c) && c.opType !== 'Cast')) {
      t.dataType = HALF;
      newType.set(t.name!, HALF);
      convertedInitializers.add(t.name!);
    }
  }
  const typeNow = (name: string) => newType.get(name) ?? types.get(name);

  // Casts where a tensor meets a node computing in the other type (one Cast per tensor and type).
  const casts = new Map<string, string>();
  const added: NodeProto[] = [];
  const cast = (name: string, to: number) => {
    const key = `${name}->${to}`;
    let out = casts.get(key);
    if (!out) {
      out = `${name}/cultune_cast_${to === FLOAT ? 'fp32' : dtype}`;
      added.push(node('Cast', [name], [out], { to }));
      casts.set(key, out);
    }
    return out;
  };
  for (const n of nodes) {
    if (n.opType === 'Cast' || !(half.has(n) || fp32.has(n))) continue;
    const want = half.has(n) ? HALF : FLOAT;
    n.input = (n.input ?? []).map((input) => (isFloat(input) && typeNow(input) !== want ? cast(input, want) : input));
  }
  graph.node = [...nodes, ...added];
  // Graph outputs keep their declared fp32 type: the half tensor is renamed and cast back.
  for (const output of graph.output ?? []) {
    const name = output.name!;
    if (typeNow(name) !== HALF) continue;
    const inner = `${name}/cultune_${dtype}`;
    for (const n of graph.node) {
      n.output = (n.output ?? []).map((o) => (o === name ? inner : o));
      n.input = (n.input ?? []).map((i) => (i === name ? inner : i));
    }
    graph.node.push(node('Cast', [inner], [name], { to: FLOAT }));
  }
  // Intermediate type annotations are stale now; onnxruntime infers them again.
  graph.valueInfo = [];
  return { convertedInitializers };
}

/**
 * Weights in the half type. fp16 clamps to its largest finite value (±65504) instead of overflowing
 * to infinity, as onnxconverter-common does (an fp32 mask constant such as -3.4e38 stays a finite
 * "minus a lot").
 */
export function toHalfBits(values: Float32Array, dtype: HalfDtype): Uint16Array {
  if (dtype === 'bfloat16') return float32ArrayToBfloat16(values);
  const clamped = values.map((v) => Math.max(-FP16_LARGEST, Math.min(FP16_LARGEST, v)));
  return float32ArrayToFloat16(clamped);
}
