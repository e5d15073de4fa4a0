import path from 'node:path';
import { UserError } from '../../util/errors.ts';

/**
 * Which files of an optimum / onnx-community repository cultune needs, and which ONNX graph among the
 * variants such repositories hold (onnx/model.onnx, model_fp16.onnx, model_q4.onnx, ...: transformers.js's
 * dtype suffixes).
 */

/** The graph variants cultune scores, by --model-variant: fp32 and fp16 (quantized graphs are refused, see below). */
export const VARIANTS = { fp32: 'model.onnx', fp16: 'model_fp16.onnx' } as const;
export type Variant = keyof typeof VARIANTS;

/** transformers.js's quantized variants: MatMulNBits / MatMulInteger graphs whose weights cultune cannot read or rewrite. */
const QUANTIZED = /_(quantized|int8|uint8|q4|q4f16|bnb4|q8)\.onnx$/;

const REQUIRED = ['config.json', 'tokenizer.json'];
const OPTIONAL = ['tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json', 'chat_template.jinja'];

export interface ModelFiles {
  /** The graph's path inside the repository. */
  graph: string;
  /** Every file to fetch: config, tokenizer, the graph and its external data. */
  files: string[];
}

/** The graph file a --model-variant names, where onnx-community keeps it (onnx/) or at the top level. */
function variantGraph(variant: string, present: Set<string>): string {
  if (!(variant in VARIANTS)) {
    throw new UserError(`--model-variant ${variant}: cultune scores the fp32 and fp16 graphs (--model-variant ${Object.keys(VARIANTS).join(' or ')})`);
  }
  const name = VARIANTS[variant as Variant];
  return [path.posix.join('onnx', name), name].find((file) => present.has(file)) ?? path.posix.join('onnx', name);
}

/** Picks the files of one graph variant (`modelFile` overrides `variant`) from a repository's file list. */
export function selectModelFiles(repoId: string, repoFiles: readonly string[], choice: { variant?: string; modelFile?: string }): ModelFiles {
  const present = new Set(repoFiles);
  const graphs = repoFiles.filter((f) => f.endsWith('.onnx')).sort();
  const supported = graphs.filter((f) => !QUANTIZED.test(f));
  const graph = choice.modelFile ?? variantGraph(choice.variant ?? 'fp32', present);
  if (QUANTIZED.test(graph)) {
    throw new UserError(`${graph} is a quantized graph, which cultune cannot score; use ${supported.length > 0 ? supported.join(' or ') : 'an fp32 or fp16 export'} (--model-file)`);
  }
  if (!present.has(graph)) {
    throw new UserError(`${repoId} has no ${graph}; its fp32/fp16 graphs: ${supported.join(', ') || 'none'} (choose one with --model-file)`);
  }
  const missing = REQUIRED.filter((f) => !present.has(f));
  if (missing.length > 0) {
    throw new UserError(`${repoId} has no ${missing.join(' or ')} at its top level: cultune downloads optimum / onnx-community exports`);
  }
  // External weights: <graph>_data, and <graph>_data_1, ... for graphs over 2 GB (transformers.js's convention).
  const data = repoFiles.filter((f) => f === `${graph}_data` || f.startsWith(`${graph}_data_`));
  return { graph, files: [...REQUIRED, ...OPTIONAL.filter((f) => present.has(f)), graph, ...data] };
}

/** For a cached snapshot (no file list at hand): the graph a --model-variant or --model-file names. */
export function graphInSnapshot(choice: { variant?: string; modelFile?: string }, exists: (file: string) => boolean): string {
  if (choice.modelFile) {
    if (QUANTIZED.test(choice.modelFile)) throw new UserError(`${choice.modelFile} is a quantized graph, which cultune cannot score`);
    return choice.modelFile;
  }
  const present = new Set([VARIANTS.fp32, VARIANTS.fp16].flatMap((name) => [path.posix.join('onnx', name), name]).filter(exists));
  return variantGraph(choice.variant ?? 'fp32', present);
}
