import { onnx, DataType, toNumber, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './onnx-proto.ts';
import { node, tensorValueInfo, int64Tensor } from './onnx-builder.ts';
import type { ComputeDtype } from './half-precision.ts';
import { addEmbeddingLookup, dropPresentOutputs, SOFT_VECTORS, VIRTUAL_IDS } from './flat-graph.ts';
import { dropEmptyPastConcats, fuseRmsNorms } from './flat-fusions.ts';
import { UserError } from '../util/errors.ts';

/**
 * Rewrites a Llama ONNX graph for soft-prompt scoring:
 * - `inputs_embeds` [batch, seq, hidden] replaces `input_ids` and the embedding Gather, so soft vectors
 *   can be fed beside token embeddings;
 * - the LM head is replaced by a scoring head that evaluates only the positions in `score_positions`
 *   [batch, positions] and, of the vocabulary, only `score_token_ids` [batch, tokens] (`token_logits`
 *   [batch, positions, tokens]), plus the full-vocabulary `logsumexp` [batch, positions], both float32:
 *   log p(token) = token_logits - logsumexp exactly, without handing a [batch, seq, vocab] tensor to JS;
 *   and `next_token` [batch, positions], the full vocabulary's argmax there, for greedy generation.
 * That is the prefix-tree plan's graph. The flat plan's variant (flat-graph.ts) looks the embeddings up
 * in the graph from `virtual_ids` and `soft_vectors` instead, and returns no KV cache.
 */

/** Which execution plan a prepared graph serves: they differ in how embeddings enter and whether KV leaves. */
export type PlanName = 'tree' | 'flat';

export const INPUTS_EMBEDS = 'inputs_embeds';
export const SCORE_POSITIONS = 'score_positions';
export const SCORE_TOKEN_IDS = 'score_token_ids';
export const TOKEN_LOGITS = 'token_logits';
export const LOGSUMEXP = 'logsumexp';
/** The most likely next token at each score position [batch, positions] (int64; the lowest id among equal logits): greedy decoding reads it. */
export const NEXT_TOKEN = 'next_token';

export interface GraphFacts {
  /** Name of the embedding table initializer [vocab, hidden]. */
  embeddingName: string;
  embeddingDims: [number, number];
  /** The float type of the graph's interface (embedding inputs, KV cache): the export's. */
  dtype: 'float32' | 'float16';
  /** The precision the graph computes in: its export's, or the one it was converted to (half-precision.ts). */
  computeDtype: ComputeDtype;
  plan: PlanName;
  /** Graph inputs other than inputs_embeds and the scoring inputs, in graph order. */
  inputNames: string[];
  /** past_key_values.{i}.key / .value input names per layer, empty when the graph has no KV inputs. */
  pastKeyNames: string[];
  pastValueNames: string[];
  presentKeyNames: string[];
  presentValueNames: string[];
}

function opsetVersion(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 0;
}

function consumers(graph: GraphProto, tensorName: string): NodeProto[] {
  return (graph.node ?? []).filter((n) => (n.input ?? []).includes(tensorName));
}

function producer(graph: GraphProto, tensorName: string): NodeProto | undefined {
  return (graph.node ?? []).find((n) => (n.output ?? []).includes(tensorName));
}

function renameInput(nodes: NodeProto[], from: string, to: string): void {
  for (const n of nodes) n.input = (n.input ?? []).map((name) => (name === from ? to : name));
}

function findEmbeddingGather(graph: GraphProto, initializers: Map<string, TensorProto>): { gather: NodeProto; table: TensorProto } {
  const readers = consumers(graph, 'input_ids');
  const quantized = readers.find((n) => n.opType?.startsWith('GatherBlockQuantized') || n.opType === 'DequantizeLinear');
  if (quantized) {
    throw new UserError(
      `the embedding is quantized (${quantized.opType}); soft prompts need a float embedding table: export the model in fp32 or fp16`,
    );
  }
  for (const n of readers) {
    if (n.opType === 'Gather' && n.input?.[1] === 'input_ids' && initializers.has(n.input[0])) {
      return { gather: n, table: initializers.get(n.input[0])! };
    }
  }
  throw new UserError('no embedding lookup (Gather of an initializer by input_ids) in the graph: not a supported decoder export');
}

/** Follows Cast nodes back from `logits` to the LM head MatMul. */
function findHead(graph: GraphProto): NodeProto {
  let current = producer(graph, 'logits');
  while (current && current.opType === 'Cast') current = producer(graph, current.input![0]);
  if (!current || current.opType !== 'MatMul') {
    throw new UserError('the graph has no "logits" output computed by a MatMul LM head: not a supported decoder export');
  }
  return current;
}

function elemType(dtype: GraphFacts['dtype']): number {
  return dtype === 'float16' ? DataType.FLOAT16 : DataType.FLOAT;
}

function layerNames(names: string[], pattern: RegExp): string[] {
  return names
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((x) => x.match)
    .sort((a, b) => Number(a.match![1]) - Number(b.match![1]))
    .map((x) => x.name);
}

export function prepareGraph(model: ModelProto, plan: PlanName = 'tree'): GraphFacts {
  const graph = model.graph;
  if (!graph) throw new UserError('the ONNX file holds no graph');
  const opset = opsetVersion(model);
  if (opset < 13) throw new UserError(`the graph uses ONNX opset ${opset}; cultune needs opset 13 or newer`);
  if (!(graph.input ?? []).some((i) => i.name === 'input_ids')) {
    throw new UserError('the graph has no input_ids input: not a supported decoder export');
  }
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const { gather, table } = findEmbeddingGather(graph, initializers);
  const dims = (table.dims ?? []).map(toNumber);
  if (dims.length !== 2) throw new UserError(`embedding table ${table.name} has shape [${dims}], expected [vocab, hidden]`);
  const dtype = table.dataType === DataType.FLOAT16 ? 'float16' : table.dataType === DataType.FLOAT ? 'float32' : undefined;
  if (!dtype) throw new UserError(`embedding table ${table.name} has data type ${table.dataType}; cultune needs fp32 or fp16`);
  const [, hidden] = dims;
  const nodes = graph.node!;

  // Soft prompts enter where token embeddings used to.
  renameInput(nodes, gather.output![0], INPUTS_EMBEDS);
  graph.node = nodes.filter((n) => n !== gather);
  const embedsShape = 'inputs_embeds_shape';
  let shapeRewired = false;
  for (const reader of consumers(graph, 'input_ids')) {
    if (reader.opType !== 'Shape') {
      throw new UserError(`input_ids feeds a ${reader.opType} node besides the embedding; cultune cannot rewrite this graph`);
    }
    // Shape(input_ids) == Shape(inputs_embeds)[:2]
    reader.opType = 'Slice';
    reader.input = [embedsShape, 'cultune_const_0', 'cultune_const_2'];
    reader.attribute = [];
    shapeRewired = true;
  }
  const extraNodes: NodeProto[] = [];
  const extraInitializers: TensorProto[] = [];
  if (shapeRewired) {
    extraNodes.push(node('Shape', [INPUTS_EMBEDS], [embedsShape]));
    extraInitializers.push(int64Tensor('cultune_const_0', [0]), int64Tensor('cultune_const_2', [2]));
  }
  graph.input = graph.input!.filter((i) => i.name !== 'input_ids');
  graph.input.unshift(tensorValueInfo(INPUTS_EMBEDS, elemType(dtype), ['batch_size', 'sequence_length', hidden]));
  if (plan === 'flat') {
    addEmbeddingLookup(graph, table, INPUTS_EMBEDS, elemType(dtype), hidden);
    dropPresentOutputs(graph);
    dropEmptyPastConcats(graph);
    fuseRmsNorms(graph);
  } else if (consumers(graph, table.name!).length === 0) {
    graph.initializer = graph.initializer!.filter((t) => t !== table);
  }

  // The scoring head replaces the full-vocabulary LM head.
  const head = findHead(graph);
  const [hiddenStates, headWeight] = head.input!;
  const removed = new Set<NodeProto>([head]);
  for (let n = producer(graph, 'logits'); n && n !== head; n = producer(graph, n.input![0])) removed.add(n);
  graph.node = graph.node!.filter((n) => !removed.has(n));
  graph.output = graph.output!.filter((o) => o.name !== 'logits');
  graph.input.push(
    tensorValueInfo(SCORE_POSITIONS, DataType.INT64, ['batch_size', 'num_positions']),
    tensorValueInfo(SCORE_TOKEN_IDS, DataType.INT64, ['batch_size', 'num_tokens']),
  );
  extraInitializers.push(int64Tensor('cultune_axis_last', [2]), int64Tensor('cultune_axis_minus1', [-1]));
  extraNodes.push(
    node('Unsqueeze', [SCORE_POSITIONS, 'cultune_axis_last'], ['cultune/positions_3d']),
    node('GatherND', [hiddenStates, 'cultune/positions_3d'], ['cultune/selected_hidden'], { batch_dims: 1 }),
    // [hidden, vocab] gathered on the vocabulary axis by [batch, tokens] -> [hidden, batch, tokens]
    node('Gather', [headWeight, SCORE_TOKEN_IDS], ['cultune/selected_columns'], { axis: 1 }),
    node('Transpose', ['cultune/selected_columns'], ['cultune/selected_columns_b'], { perm: [1, 0, 2] }),
    node('MatMul', ['cultune/selected_hidden', 'cultune/selected_columns_b'], ['cultune/token_logits_raw']),
    node('Cast', ['cultune/token_logits_raw'], [TOKEN_LOGITS], { to: DataType.FLOAT }),
    node('MatMul', ['cultune/selected_hidden', headWeight], ['cultune/full_logits']),
    node('Cast', ['cultune/full_logits'], ['cultune/full_logits_f32'], { to: DataType.FLOAT }),
    opset >= 18
      ? node('ReduceLogSumExp', ['cultune/full_logits_f32', 'cultune_axis_minus1'], [LOGSUMEXP], { keepdims: 0 })
      : node('ReduceLogSumExp', ['cultune/full_logits_f32'], [LOGSUMEXP], { axes: [-1], keepdims: 0 }),
    node('ArgMax', ['cultune/full_logits_f32'], [NEXT_TOKEN], { axis: -1, keepdims: 0, select_last_index: 0 }),
  );
  graph.node.push(...extraNodes);
  graph.initializer!.push(...extraInitializers);
  graph.output.push(
    tensorValueInfo(TOKEN_LOGITS, DataType.FLOAT, ['batch_size', 'num_positions', 'num_tokens']),
    tensorValueInfo(LOGSUMEXP, DataType.FLOAT, ['batch_size', 'num_positions']),
    tensorValueInfo(NEXT_TOKEN, DataType.INT64, ['batch_size', 'num_positions']),
  );
  graph.node = topologicalOrder(graph.node);

  const ownInputs = [INPUTS_EMBEDS, VIRTUAL_IDS, SOFT_VECTORS, SCORE_POSITIONS, SCORE_TOKEN_IDS];
  const inputNames = graph.input.map((i) => i.name!).filter((n) => !ownInputs.includes(n));
  const outputNames = graph.output.map((o) => o.name!);
  return {
    embeddingName: table.name!,
    embeddingDims: [dims[0], dims[1]],
    dtype,
    computeDtype: dtype,
    plan,
    inputNames,
    pastKeyNames: layerNames(inputNames, /^past_key_values\.(\d+)\.key$/),
    pastValueNames: layerNames(inputNames, /^past_key_values\.(\d+)\.value$/),
    presentKeyNames: layerNames(outputNames, /^present\.(\d+)\.key$/),
    presentValueNames: layerNames(outputNames, /^present\.(\d+)\.value$/),
  };
}

/** ONNX requires nodes in topological order; the rewrite appends nodes whose inputs come from anywhere. */
export function topologicalOrder(nodes: NodeProto[]): NodeProto[] {
  const producedBy = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) if (o) producedBy.set(o, n);
  const done = new Set<NodeProto>();
  const ordered: NodeProto[] = [];
  const visit = (start: NodeProto) => {
    const stack: [NodeProto, number][] = [[start, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [current, index] = top;
      if (done.has(current)) { stack.pop(); continue; }
      const inputs = current.input ?? [];
      if (index < inputs.length) {
        top[1] += 1;
        const dep = producedBy.get(inputs[index]);
        if (dep && !done.has(dep)) stack.push([dep, 0]);
      } else {
        done.add(current);
        ordered.push(current);
        stack.pop();
      }
    }
  };
  for (const n of nodes) visit(n);
  return ordered;
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new UserError(`not a valid ONNX file: ${(error as Error).message}`);
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
