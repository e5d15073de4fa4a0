import { DataType, type GraphProto, type NodeProto, type TensorProto } from './onnx-proto.ts';
import { node } from './onnx-builder.ts';
import { graphLinks } from './graph-links.ts';

/**
 * Graph simplifications for the flat plan, where onnxruntime's work per node is the bottleneck on a
 * GPU: on an H200 the 135M shape's fp16 pass was bound by the host dispatching ~7,000 nodes, a fifth
 * of that time in Casts (BENCHMARKS.md, "Execution plans"). Both rewrites keep the arithmetic: the flat plan's results stay equal
 * to the tree plan's within float rounding (test/execution-plans.test.ts).
 */

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
  const { producers, consumers } = graphLinks(graph);
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
  dropUnreadConstants(graph);
  return added.length;
}

/** Constants and initializers nothing reads any more (the fused chains' exponent 2 and epsilons) go. */
function dropUnreadConstants(graph: GraphProto): void {
  const read = new Set([...(graph.node ?? []).flatMap((n) => n.input ?? []), ...(graph.output ?? []).map((o) => o.name!)]);
  graph.node = (graph.node ?? []).filter((n) => n.opType !== 'Constant' || (n.output ?? []).some((o) => read.has(o)));
  graph.initializer = (graph.initializer ?? []).filter((t) => read.has(t.name!));
}
