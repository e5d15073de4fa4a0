import { DataType, type GraphProto, type TensorProto } from './onnx-proto.ts';
import { node, tensorValueInfo, int64Tensor } from './onnx-builder.ts';

/**
 * The flat plan's graph interface: the graph looks embeddings up itself, so one run moves only token
 * ids and the population's soft vectors in, and the restricted log-probs out (on a GPU: no
 * `inputs_embeds` and no KV cache crosses PCIe).
 * - `virtual_ids` [batch, seq] int64: scoring-plan.ts's `virtualToken` convention, a token id (>= 0)
 *   or -(v + 1) for row v of `soft_vectors`;
 * - `soft_vectors` [n, hidden]: the soft prompts of every candidate stacked (at least one row: a graph
 *   cannot gather from an empty table, so a run without soft prompts feeds one unused row).
 */
export const VIRTUAL_IDS = 'virtual_ids';
export const SOFT_VECTORS = 'soft_vectors';

/**
 * Makes `embedsName` a node output computed from `virtual_ids`, `soft_vectors` and the embedding
 * table, instead of a graph input: embeds = Where(id < 0, soft_vectors[-id - 1], table[max(id, 0)]).
 * Both gathers run on every position with a clamped index (each is a copy of one row, cheap beside a
 * layer), and Where keeps the one that applies.
 */
export function addEmbeddingLookup(graph: GraphProto, table: TensorProto, embedsName: string, floatType: number, hidden: number): void {
  const isSoft = 'cultune/is_soft';
  const softIndex = 'cultune/soft_index';
  const tokenIndex = 'cultune/token_index';
  graph.node!.push(
    node('Less', [VIRTUAL_IDS, 'cultune_flat_zero'], [isSoft]),
    // -(v + 1) -> v for soft positions; 0 (a valid row) elsewhere.
    node('Sub', ['cultune_flat_minus_one', VIRTUAL_IDS], ['cultune/soft_index_raw']),
    node('Where', [isSoft, 'cultune/soft_index_raw', 'cultune_flat_zero'], [softIndex]),
    node('Where', [isSoft, 'cultune_flat_zero', VIRTUAL_IDS], [tokenIndex]),
    node('Gather', [SOFT_VECTORS, softIndex], ['cultune/soft_embeds'], { axis: 0 }),
    node('Gather', [table.name!, tokenIndex], ['cultune/token_embeds'], { axis: 0 }),
    node('Unsqueeze', [isSoft, 'cultune_flat_last_axis'], ['cultune/is_soft_3d']),
    node('Where', ['cultune/is_soft_3d', 'cultune/soft_embeds', 'cultune/token_embeds'], [embedsName]),
  );
  graph.initializer!.push(
    int64Tensor('cultune_flat_zero', [0], []),
    int64Tensor('cultune_flat_minus_one', [-1], []),
    int64Tensor('cultune_flat_last_axis', [-1]),
  );
  graph.input = graph.input!.filter((i) => i.name !== embedsName);
  graph.input.unshift(
    tensorValueInfo(VIRTUAL_IDS, DataType.INT64, ['batch_size', 'sequence_length']),
    tensorValueInfo(SOFT_VECTORS, floatType, ['num_soft_vectors', hidden]),
  );
}

/**
 * The flat plan never reads the KV cache a run produces: dropping `present.*` from the graph outputs
 * lets the memory planner reuse those buffers (on the 1B shape a batch of 64k tokens holds ~4 GiB of keys and values).
 */
export function dropPresentOutputs(graph: GraphProto): void {
  graph.output = graph.output!.filter((o) => !/^present\.\d+\.(key|value)$/.test(o.name ?? ''));
}
