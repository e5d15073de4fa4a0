import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { onnx, type GraphProto, type NodeProto } from '../../src/model/onnx-proto.ts';
import { readFloatInitializer } from '../../src/model/tensor-data.ts';
import { writeJsonAtomic } from '../../src/util/atomic.ts';

/**
 * Exports the weights of an optimum-layout Llama ONNX graph under Hugging Face's LlamaForCausalLM
 * names (linear weights as torch stores them, [out, in]) to `weights.bin` (float32, little-endian)
 * and `weights.json` ({tensors: {name: {shape, offset}}}), so a PyTorch implementation runs on the
 * very same numbers. Exports name their MatMul weights `onnx::MatMul_N`, so the role of each one is
 * read from the graph's structure, not from its name.
 */

const WEIGHTS_BIN = 'weights.bin';
const WEIGHTS_JSON = 'weights.json';

type Mapping = Map<string, { name: string; transpose: boolean }>;

const HF_NORM = /^model\.(layers\.\d+\.(input_layernorm|post_attention_layernorm)|norm)\.weight$/;
const LAYER_SCOPE = /^\/model\/layers\.(\d+)\//;
const MLP_ROLES = ['gate_proj', 'up_proj', 'down_proj'];

function graphIndex(graph: GraphProto) {
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node ?? []) {
    for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  const reaches = (from: string, target: string): boolean => {
    const seen = new Set([from]);
    const queue = [from];
    while (queue.length > 0) {
      const tensor = queue.pop()!;
      if (tensor === target) return true;
      for (const node of consumers.get(tensor) ?? []) {
        for (const output of node.output ?? []) if (!seen.has(output)) (seen.add(output), queue.push(output));
      }
    }
    return false;
  };
  return { consumers, reaches };
}

/** Names each layer's seven projections: k and v by the KV-cache output they feed, gate by its Sigmoid, the rest by their neighbours. */
function layerRoles(layer: number, matmuls: NodeProto[], index: ReturnType<typeof graphIndex>): Record<string, NodeProto> {
  const out = (n: NodeProto) => n.output![0];
  const one = (role: string, found: NodeProto[]): NodeProto => {
    if (found.length !== 1) throw new Error(`layer ${layer}: found ${found.length} candidates for ${role}, expected one`);
    return found[0];
  };
  const k = one('k_proj', matmuls.filter((n) => index.reaches(out(n), `present.${layer}.key`)));
  const v = one('v_proj', matmuls.filter((n) => index.reaches(out(n), `present.${layer}.value`)));
  const q = one('q_proj', matmuls.filter((n) => n !== k && n !== v && n.input![0] === k.input![0]));
  const gate = one('gate_proj', matmuls.filter((n) => (index.consumers.get(out(n)) ?? []).some((c) => c.opType === 'Sigmoid')));
  const up = one('up_proj', matmuls.filter((n) => n !== gate && n.input![0] === gate.input![0]));
  const down = one('down_proj', matmuls.filter((n) => n !== gate && n !== up && index.reaches(out(gate), out(n))));
  const o = one('o_proj', matmuls.filter((n) => ![q, k, v, gate, up, down].includes(n)));
  return { q_proj: q, k_proj: k, v_proj: v, o_proj: o, gate_proj: gate, up_proj: up, down_proj: down };
}

export function hfWeightNames(graph: GraphProto): Mapping {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name!));
  const index = graphIndex(graph);
  const mapping: Mapping = new Map();
  for (const name of initializers) if (HF_NORM.test(name)) mapping.set(name, { name, transpose: false });
  const nodes = graph.node ?? [];
  const embedding = nodes.find((n) => n.opType === 'Gather' && n.input?.[1] === 'input_ids' && initializers.has(n.input[0]));
  if (!embedding) throw new Error('no embedding Gather on input_ids');
  mapping.set(embedding.input![0], { name: 'model.embed_tokens.weight', transpose: false });
  const weightMatMuls = nodes.filter((n) => n.opType === 'MatMul' && initializers.has(n.input?.[1] ?? ''));
  const head = weightMatMuls.find((n) => n.output?.[0] === 'logits');
  if (!head) throw new Error('no MatMul producing logits');
  mapping.set(head.input![1], { name: 'lm_head.weight', transpose: true });
  const byLayer = new Map<number, NodeProto[]>();
  for (const node of weightMatMuls) {
    const layer = LAYER_SCOPE.exec(node.name ?? '')?.[1];
    if (layer !== undefined) byLayer.set(Number(layer), [...(byLayer.get(Number(layer)) ?? []), node]);
  }
  for (const [layer, matmuls] of byLayer) {
    for (const [role, node] of Object.entries(layerRoles(layer, matmuls, index))) {
      const part = MLP_ROLES.includes(role) ? 'mlp' : 'self_attn';
      mapping.set(node.input![1], { name: `model.layers.${layer}.${part}.${role}.weight`, transpose: true });
    }
  }
  return mapping;
}

function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** What the export was made from: the graph's bytes and the external data's size and time. */
function sourceKey(modelDir: string): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(path.join(modelDir, 'model.onnx'))).digest('hex');
  const data = path.join(modelDir, 'model.onnx_data');
  const stat = fs.existsSync(data) ? fs.statSync(data) : undefined;
  return `${hash}:${stat?.size ?? 0}:${stat?.mtimeMs ?? 0}`;
}

/** Writes the export into `outDir` unless an export of the same source is there; returns `outDir`. */
export function exportHfWeights(modelDir: string, outDir: string): string {
  const key = sourceKey(modelDir);
  const jsonPath = path.join(outDir, WEIGHTS_JSON);
  if (fs.existsSync(jsonPath) && (JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { source: string }).source === key) return outDir;
  const model = onnx.ModelProto.decode(fs.readFileSync(path.join(modelDir, 'model.onnx')));
  const graph = model.graph!;
  const mapping = hfWeightNames(graph);
  fs.mkdirSync(outDir, { recursive: true });
  const binPath = path.join(outDir, WEIGHTS_BIN);
  const temp = `${binPath}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  const tensors: Record<string, { shape: number[]; offset: number }> = {};
  let offset = 0;
  try {
    for (const tensor of graph.initializer ?? []) {
      const target = mapping.get(tensor.name!);
      if (!target) continue;
      const { data, dims } = readFloatInitializer(tensor, modelDir);
      const values = target.transpose ? transposed(data, dims[0], dims[1]) : data;
      const shape = target.transpose ? [dims[1], dims[0]] : dims;
      fs.writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      tensors[target.name] = { shape, offset };
      offset += values.byteLength;
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, binPath);
  // weights.json last: its presence (with a matching source) marks a complete export.
  writeJsonAtomic(jsonPath, { source: key, dtype: 'float32', tensors });
  return outDir;
}
