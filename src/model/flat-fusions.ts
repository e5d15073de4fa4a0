import { DataType, type GraphProto, type NodeProto, type TensorProto } from './onnx-proto.ts';
import { int64Tensor, node } from './onnx-builder.ts';

/**
 * Graph simplifications for the flat plan, where onnxruntime's work per node is the bottleneck on a
 * GPU: on an H200 the 135M shape's fp16 pass spent more host time dispatching nodes than the GPU
 * spent in kernels, and a third of its kernel time in Casts, Concats and the RMSNorm's elementwise
 * chain (BENCHMARKS.md, "GPU"). Both rewrites keep the arithmetic: the flat plan's results stay equal
 * to the tree plan's within float rounding (test/execution-plans.test.ts).
 */

interface Links {
  producers: Map<string, NodeProto>;
  consumers: Map<string, NodeProto[]>;
}

function links(graph: GraphProto): Links {
  const producers = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.node ?? []) {
    for (const output of n.output ?? []) if (output) producers.set(output, n);
    for (const input of n.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), n]);
  }
  return { producers, consumers };
}

function renameEverywhere(graph: GraphProto, from: string, to: string): void {
  for (const n of graph.node ?? []) n.input = (n.input ?? []).map((name) => (name === from ? to : name));
  for (const output of graph.output ?? []) if (output.name === from) output.name = to;
}

const PAST = /^past_key_values\.\d+\.(key|value)$/;

/**
 * The flat plan feeds every run an empty KV cache, so Concat(past, new) on the sequence axis is a
 * copy of `new` (of every layer's keys and values). Readers take `new` directly; a past input nothing
 * else reads leaves the graph. Returns how many Concats went.
 */
export function dropEmptyPastConcats(graph: GraphProto): number {
  const dropped = new Set<NodeProto>();
  for (const n of graph.node ?? []) {
    const [first, second] = n.input ?? [];
    if (n.opType !== 'Concat' || n.input!.length !== 2 || !PAST.test(first) || PAST.test(second)) continue;
    dropped.add(n);
    renameEverywhere(graph, n.output![0], second);
  }
  graph.node = (graph.node ?? []).filter((n) => !dropped.has(n));
  const read = new Set((graph.node ?? []).flatMap((n) => n.input ?? []));
  graph.input = (graph.input ?? []).filter((i) => !PAST.test(i.name ?? '') || read.has(i.name!));
  return dropped.size;
}

/** A float scalar held by an initializer or a Constant node, when the graph says it plainly. */
function floatScalar(graph: GraphProto, name: string, producers: Map<string, NodeProto>): number | undefined {
  const fromTensor = (t: TensorProto | undefined | null) => {
    if (!t || (t.dims ?? []).reduce((a, b) => a * Number(b), 1) !== 1) return undefined;
    if (t.dataType === DataType.FLOAT && t.floatData?.length === 1) return t.floatData[0];
    if (t.dataType === DataType.FLOAT && t.rawData?.length === 4) return Buffer.from(t.rawData).readFloatLE(0);
    return undefined;
  };
  const initializer = (graph.initializer ?? []).find((t) => t.name === name);
  if (initializer) return fromTensor(initializer);
  const constant = producers.get(name);
  if (constant?.opType !== 'Constant') return undefined;
  const value = constant.attribute?.[0];
  return value?.name === 'value_float' ? value.f ?? undefined : fromTensor(value?.t);
}

function reducesLastAxis(graph: GraphProto, mean: NodeProto): boolean {
  const attribute = (name: string) => mean.attribute?.find((a) => a.name === name);
  const keepdims = attribute('keepdims');
  if (keepdims && Number(keepdims.i) !== 1) return false;
  const axes = attribute('axes')?.ints ?? (graph.initializer ?? []).find((t) => t.name === mean.input?.[1])?.int64Data;
  return axes?.length === 1 && Number(axes[0]) === -1;
}

/** The only reader of a tensor, if it has exactly one. */
function onlyReader(consumers: Map<string, NodeProto[]>, name: string): NodeProto | undefined {
  const readers = consumers.get(name) ?? [];
  return readers.length === 1 ? readers[0] : undefined;
}

/**
 * Each fp32 RMSNorm written out in elementwise ops, x / sqrt(mean(x²) + eps) * w (x² as Pow(x, 2) or
 * Mul(x, x); the division as Div or Reciprocal then Mul), becomes one SimplifiedLayerNormalization
 * node (onnxruntime's RMSNorm kernel, on CPU and CUDA; in half precision it computes in fp32 inside:
 * stash_type 1). A chain in any other form stays as it is. Returns how many were fused.
 */
export function fuseRmsNorms(graph: GraphProto): number {
  const { producers, consumers } = links(graph);
  const removed = new Set<NodeProto>();
  const added: NodeProto[] = [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  for (const mean of graph.node ?? []) {
    if (mean.opType !== 'ReduceMean' || !reducesLastAxis(graph, mean)) continue;
    const square = producers.get(mean.input![0]);
    const x = square?.input?.[0];
    const isSquare =
      square &&
      ((square.opType === 'Mul' && square.input![1] === x) || (square.opType === 'Pow' && floatScalar(graph, square.input![1], producers) === 2));
    if (!isSquare || onlyReader(consumers, square.output![0]) !== mean) continue;
    const add = onlyReader(consumers, mean.output![0]);
    if (add?.opType !== 'Add') continue;
    const epsilon = floatScalar(graph, add.input![0] === mean.output![0] ? add.input![1] : add.input![0], producers);
    const sqrt = onlyReader(consumers, add.output![0]);
    if (epsilon === undefined || sqrt?.opType !== 'Sqrt') continue;
    let scale = onlyReader(consumers, sqrt.output![0]);
    const chain = [square, mean, add, sqrt];
    if (scale?.opType === 'Reciprocal') {
      chain.push(scale);
      const reciprocal = scale.output![0];
      scale = onlyReader(consumers, reciprocal);
      if (scale?.opType !== 'Mul' || !scale.input!.includes(x!) || !scale.input!.includes(reciprocal)) continue;
    } else if (scale?.opType !== 'Div' || scale.input![0] !== x) {
      continue;
    }
    chain.push(scale);
    const weightMul = onlyReader(consumers, scale.output![0]);
    const weight = weightMul?.input?.find((name) => name !== scale!.output![0]);
    const weightTensor = weight ? initializers.get(weight) : undefined;
    if (weightMul?.opType !== 'Mul' || weightTensor?.dataType !== DataType.FLOAT || weightTensor.dims?.length !== 1) continue;
    chain.push(weightMul);
    for (const n of chain) removed.add(n);
    added.push(node('SimplifiedLayerNormalization', [x!, weight!], [weightMul.output![0]], { axis: -1, epsilon, stash_type: 1 }));
  }
  graph.node = [...(graph.node ?? []).filter((n) => !removed.has(n)), ...added];
  return added.length;
}

/** Ops that only move a tensor's elements about (head splits and merges), walked through when tracing a projection. */
const LAYOUT_OPS = new Set(['Transpose', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity']);

interface Rotary {
  cosTable: string;
  sinTable: string;
}

interface Traced {
  /** The projection's output, [batch, seq, heads x head size]. */
  projection: string;
  /** Its weight's output width. */
  width: number;
  rotary?: Rotary;
}

/**
 * The table a rotary factor is gathered from: Gather(table, position_ids) behind layout ops, the
 * table an initializer [positions, head size].
 */
function rotaryTable(name: string, producers: Map<string, NodeProto>, initializers: Map<string, TensorProto>): string | undefined {
  let n = producers.get(name);
  while (n && LAYOUT_OPS.has(n.opType!)) n = producers.get(n.input![0]);
  if (n?.opType !== 'Gather' || n.input![1] !== 'position_ids' || initializers.get(n.input![0])?.dims?.length !== 2) return undefined;
  return n.input![0];
}

/**
 * Recognises x * cos + rotate_half(x) * sin, rotate_half(x) = Concat(-x2, x1) of Split(x): Llama's
 * rotary embedding as exports write it out. Returns x and the two tables.
 */
function rotaryAt(add: NodeProto, producers: Map<string, NodeProto>, initializers: Map<string, TensorProto>): { x: string; rotary: Rotary } | undefined {
  if (add.opType !== 'Add') return undefined;
  const muls = add.input!.map((name) => producers.get(name));
  if (muls.some((m) => m?.opType !== 'Mul')) return undefined;
  for (const [cosMul, sinMul] of [[muls[0]!, muls[1]!], [muls[1]!, muls[0]!]]) {
    for (const rotatedAt of [0, 1]) {
      const concat = producers.get(sinMul.input![rotatedAt]);
      if (concat?.opType !== 'Concat' || concat.input!.length !== 2) continue;
      const neg = producers.get(concat.input![0]);
      const split = producers.get(neg?.opType === 'Neg' ? neg.input![0] : '');
      if (split?.opType !== 'Split' || neg!.input![0] !== split.output![1] || concat.input![1] !== split.output![0]) continue;
      const x = split.input![0];
      if (!cosMul.input!.includes(x)) continue;
      const cosTable = rotaryTable(cosMul.input!.find((name) => name !== x)!, producers, initializers);
      const sinTable = rotaryTable(sinMul.input![1 - rotatedAt], producers, initializers);
      if (cosTable && sinTable) return { x, rotary: { cosTable, sinTable } };
    }
  }
  return undefined;
}

/** Walks back from an attention operand through layout ops and at most one rotary block to its projection MatMul. */
function traceProjection(name: string, producers: Map<string, NodeProto>, initializers: Map<string, TensorProto>): Traced | undefined {
  let rotary: Rotary | undefined;
  for (let at = name; ; ) {
    const n = producers.get(at);
    if (!n) return undefined;
    if (LAYOUT_OPS.has(n.opType!)) {
      at = n.input![0];
      continue;
    }
    const weight = n.opType === 'MatMul' ? initializers.get(n.input![1]) : undefined;
    if (weight?.dims?.length === 2) return { projection: n.output![0], width: Number(weight.dims[1]), rotary };
    const found = rotary ? undefined : rotaryAt(n, producers, initializers);
    if (!found) return undefined;
    rotary = found.rotary;
    at = found.x;
  }
}

/** Removes nodes nothing reads (iteratively), then initializers nothing reads. */
function dropDeadNodes(graph: GraphProto): void {
  const outputs = new Set((graph.output ?? []).map((o) => o.name!));
  for (let changed = true; changed; ) {
    const read = new Set((graph.node ?? []).flatMap((n) => n.input ?? []));
    const alive = (graph.node ?? []).filter((n) => (n.output ?? []).some((o) => o && (read.has(o) || outputs.has(o))));
    changed = alive.length !== graph.node!.length;
    graph.node = alive;
  }
  const read = new Set((graph.node ?? []).flatMap((n) => n.input ?? []));
  graph.initializer = (graph.initializer ?? []).filter((t) => read.has(t.name!));
}

/**
 * Each attention written out in ops (rotary on q and k, scores = q k^T x scale + mask, softmax, times
 * v, heads merged) becomes one GroupQueryAttention node (onnxruntime's, flash attention on CUDA),
 * which takes the projections as they come ([batch, seq, heads x head size], fewer key/value heads
 * allowed), applies the rotary embedding from the same tables and masks causally within each row's
 * length. That is the flat plan's attention exactly: right-padded rows from position 0, no cache
 * (padded positions differ, but nothing reads them). Only the written-out form above is matched;
 * anything else stays as it is. Returns how many attentions were fused.
 */
export function fuseAttention(graph: GraphProto): number {
  const { producers, consumers } = links(graph);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  if (!(graph.input ?? []).some((i) => i.name === 'attention_mask')) return 0;
  const fused: { node: NodeProto; reader: NodeProto; from: string }[] = [];
  const halfTables = new Map<string, string>();
  for (const softmax of graph.node ?? []) {
    if (softmax.opType !== 'Softmax') continue;
    const context = onlyReader(consumers, softmax.output![0]);
    const add = producers.get(softmax.input![0]);
    if (context?.opType !== 'MatMul' || context.input![0] !== softmax.output![0] || add?.opType !== 'Add') continue;
    const scaling = add.input!.map((name) => producers.get(name)).find((n) => n && (n.opType === 'Mul' || n.opType === 'Div') && producers.get(n.input![0])?.opType === 'MatMul');
    const factor = scaling && floatScalar(graph, scaling.input![1], producers);
    if (!scaling || factor === undefined) continue;
    const scores = producers.get(scaling.input![0])!;
    const [q, k, v] = [scores.input![0], scores.input![1], context.input![1]].map((name) => traceProjection(name, producers, initializers));
    if (!q?.rotary || !k?.rotary || !v || v.rotary || q.rotary.cosTable !== k.rotary.cosTable || q.rotary.sinTable !== k.rotary.sinTable) continue;
    // The merged heads: layout ops from the context to the tensor the output projection reads.
    let merged = context.output![0];
    let reader = onlyReader(consumers, merged);
    while (reader && LAYOUT_OPS.has(reader.opType!)) {
      merged = reader.output![0];
      reader = onlyReader(consumers, merged);
    }
    if (reader?.opType !== 'MatMul' || initializers.get(reader.input![1])?.dims?.length !== 2) continue;
    const headSize = Number(initializers.get(q.rotary.cosTable)!.dims![1]);
    if (q.width % headSize !== 0 || k.width % headSize !== 0 || v.width !== k.width) continue;
    const halfTable = (table: string) => {
      if (!halfTables.has(table)) halfTables.set(table, `${table}/cultune_half`);
      return halfTables.get(table)!;
    };
    const name = `${merged}/cultune_gqa`;
    const gqa = node(
      'GroupQueryAttention',
      [q.projection, k.projection, v.projection, '', '', 'cultune/seqlens_k', 'cultune/total_sequence_length', halfTable(q.rotary.cosTable), halfTable(q.rotary.sinTable)],
      [name],
      { num_heads: q.width / headSize, kv_num_heads: k.width / headSize, do_rotary: 1, rotary_interleaved: 0, scale: scaling.opType === 'Mul' ? factor : 1 / factor },
      { domain: 'com.microsoft' },
    );
    fused.push({ node: gqa, reader, from: merged });
  }
  if (fused.length === 0) return 0;
  for (const { node: gqa, reader, from } of fused) {
    reader.input = reader.input!.map((name) => (name === from ? gqa.output![0] : name));
    graph.node!.push(gqa);
  }
  // GroupQueryAttention wants each row's last position (length - 1), the longest length (int32), and
  // the rotary tables' first halves (Llama's tables repeat each frequency in both halves).
  graph.node!.push(
    node('ReduceSum', ['attention_mask', 'cultune/axis_1'], ['cultune/lengths'], { keepdims: 0 }),
    node('Sub', ['cultune/lengths', 'cultune/one'], ['cultune/last_positions']),
    node('Cast', ['cultune/last_positions'], ['cultune/seqlens_k'], { to: DataType.INT32 }),
    node('Shape', ['attention_mask'], ['cultune/mask_shape']),
    node('Gather', ['cultune/mask_shape', 'cultune/index_1'], ['cultune/total_length'], { axis: 0 }),
    node('Cast', ['cultune/total_length'], ['cultune/total_sequence_length'], { to: DataType.INT32 }),
    ...[...halfTables].map(([table, half]) =>
      node('Slice', [table, 'cultune/zero_1d', `cultune/half_head_${table}`, 'cultune/axis_1'], [half]),
    ),
  );
  graph.initializer!.push(
    int64Tensor('cultune/axis_1', [1]),
    int64Tensor('cultune/one', [1], []),
    int64Tensor('cultune/index_1', [1], []),
    int64Tensor('cultune/zero_1d', [0]),
    ...[...halfTables.keys()].map((table) => int64Tensor(`cultune/half_head_${table}`, [Number(initializers.get(table)!.dims![1]) / 2])),
  );
  dropDeadNodes(graph);
  return fused.length;
}
