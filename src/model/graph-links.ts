import type { GraphProto, NodeProto } from './onnx-proto.ts';

/** Who makes and who reads each tensor of a graph, for the rewrites that walk it. */
export interface GraphLinks {
  producers: Map<string, NodeProto>;
  consumers: Map<string, NodeProto[]>;
}

export function graphLinks(graph: GraphProto): GraphLinks {
  const producers = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.node ?? []) {
    for (const output of n.output ?? []) if (output) producers.set(output, n);
    for (const input of n.input ?? []) {
      const readers = consumers.get(input);
      if (readers) readers.push(n);
      else consumers.set(input, [n]);
    }
  }
  return { producers, consumers };
}
