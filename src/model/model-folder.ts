import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors.ts';

/** Dimensions of a Llama-like decoder, from config.json (optimum) or genai_config.json (onnxruntime-genai). */
export interface ModelConfig {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** The MLP's width, where the config gives it (genai_config.json does not). */
  intermediate?: number;
  vocab: number;
  /** The longest sequence the model was built for (max_position_embeddings), when the config says. */
  maxPositions?: number;
  bosTokenId?: number;
  eosTokenId?: number;
  modelType: string;
}

export interface ModelFolder {
  dir: string;
  graphPath: string;
  layout: 'optimum' | 'genai';
  config: ModelConfig;
}

const LLAMA_LIKE = new Set(['llama', 'mistral', 'qwen2', 'qwen3', 'granite', 'smollm3', 'olmo', 'olmo2']);

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

function requireNumber(source: Record<string, unknown>, key: string, file: string): number {
  const value = source[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new UserError(`${file} lacks a numeric "${key}"; is this a decoder-only language model export?`);
  }
  return value;
}

function positiveInteger(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) > 0 ? (value as number) : undefined;
}

function firstId(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return undefined;
}

function checkModelType(modelType: string, file: string): void {
  if (!LLAMA_LIKE.has(modelType)) {
    throw new UserError(
      `${file} says model_type "${modelType}"; cultune supports Llama-like decoders (${[...LLAMA_LIKE].join(', ')})`,
    );
  }
}

function optimumConfig(file: string): ModelConfig {
  const c = readJson(file);
  const modelType = String(c.model_type ?? '');
  checkModelType(modelType, file);
  const hidden = requireNumber(c, 'hidden_size', file);
  const heads = requireNumber(c, 'num_attention_heads', file);
  return {
    hidden,
    layers: requireNumber(c, 'num_hidden_layers', file),
    heads,
    kvHeads: typeof c.num_key_value_heads === 'number' ? c.num_key_value_heads : heads,
    headDim: typeof c.head_dim === 'number' ? c.head_dim : hidden / heads,
    intermediate: typeof c.intermediate_size === 'number' ? c.intermediate_size : undefined,
    vocab: requireNumber(c, 'vocab_size', file),
    maxPositions: positiveInteger(c.max_position_embeddings),
    bosTokenId: firstId(c.bos_token_id),
    eosTokenId: firstId(c.eos_token_id),
    modelType,
  };
}

function genaiConfig(file: string): { config: ModelConfig; filename: string } {
  const root = readJson(file);
  const model = (root.model ?? {}) as Record<string, unknown>;
  const decoder = (model.decoder ?? {}) as Record<string, unknown>;
  const modelType = String(model.type ?? '');
  checkModelType(modelType, file);
  const heads = requireNumber(decoder, 'num_attention_heads', file);
  const hidden = requireNumber(decoder, 'hidden_size', file);
  return {
    config: {
      hidden,
      layers: requireNumber(decoder, 'num_hidden_layers', file),
      heads,
      kvHeads: typeof decoder.num_key_value_heads === 'number' ? decoder.num_key_value_heads : heads,
      headDim: typeof decoder.head_size === 'number' ? decoder.head_size : hidden / heads,
      vocab: requireNumber(model, 'vocab_size', file),
      maxPositions: positiveInteger(model.context_length),
      bosTokenId: firstId(model.bos_token_id),
      eosTokenId: firstId(model.eos_token_id),
      modelType,
    },
    filename: typeof decoder.filename === 'string' ? decoder.filename : 'model.onnx',
  };
}

function findOptimumGraph(dir: string): string {
  for (const candidate of ['model.onnx', path.join('onnx', 'model.onnx')]) {
    if (fs.existsSync(path.join(dir, candidate))) return path.join(dir, candidate);
  }
  const variants = ['.', 'onnx']
    .flatMap((sub) => (fs.existsSync(path.join(dir, sub)) ? fs.readdirSync(path.join(dir, sub)).map((f) => path.join(sub, f)) : []))
    .filter((f) => f.endsWith('.onnx'));
  const pytorch = fs.readdirSync(dir).some((f) => /^(model.*\.safetensors|pytorch_model.*\.bin)$/.test(f));
  const hint =
    variants.length > 0
      ? ` (found ${variants.join(', ')}; rename or link the fp32/fp16 one to model.onnx)`
      : pytorch
        ? ` (it holds PyTorch weights: export them to ONNX first, e.g. optimum-cli export onnx --model ${dir} --task text-generation ${dir}-onnx, then pass that folder)`
        : '';
  throw new UserError(`no model.onnx or onnx/model.onnx in ${dir}${hint}`);
}

/** A model folder's layout and dimensions, from config.json (optimum) or genai_config.json (onnxruntime-genai). */
export function readModelConfig(dir: string): { layout: ModelFolder['layout']; config: ModelConfig; genaiGraph?: string } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UserError(`model folder ${dir} does not exist (pass --model DIR with an ONNX export, e.g. from optimum-cli, or a Hub id)`);
  }
  const genaiFile = path.join(dir, 'genai_config.json');
  const configFile = path.join(dir, 'config.json');
  if (fs.existsSync(configFile)) return { layout: 'optimum', config: optimumConfig(configFile) };
  if (fs.existsSync(genaiFile)) {
    const { config, filename } = genaiConfig(genaiFile);
    return { layout: 'genai', config, genaiGraph: filename };
  }
  throw new UserError(`${dir} has neither config.json (optimum export) nor genai_config.json (onnxruntime-genai export)`);
}

/**
 * A graph file the folder names (`--model-file`, genai_config.json's "filename") resolved inside the
 * folder: the name may come from a downloaded config, so one that climbs out is refused, never read.
 */
function graphInside(dir: string, file: string, namedBy: string): string {
  const resolved = path.resolve(dir, file);
  if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..') || !resolved.startsWith(path.resolve(dir) + path.sep)) {
    throw new UserError(`${namedBy} names the graph "${file}", outside ${dir}; it must be a path inside the model folder`);
  }
  return path.join(dir, file);
}

/**
 * Recognises an optimum / onnx-community export or an onnxruntime-genai export and reads its dimensions.
 * `graphFile` (relative to the folder) picks one graph among several (onnx/model_fp16.onnx, ...).
 */
export function openModelFolder(dir: string, graphFile?: string): ModelFolder {
  // The config first: a model of another kind is named as such, not as a folder lacking model.onnx.
  const { layout, config, genaiGraph } = readModelConfig(dir);
  let folder: ModelFolder;
  if (graphFile !== undefined) {
    const graphPath = graphInside(dir, graphFile, '--model-file');
    if (!fs.existsSync(graphPath)) throw new UserError(`${dir} has no ${graphFile} (--model-file)`);
    folder = { dir, graphPath, layout, config };
  } else if (genaiGraph === undefined) {
    folder = { dir, graphPath: findOptimumGraph(dir), layout, config };
  } else {
    const graphPath = graphInside(dir, genaiGraph, path.join(dir, 'genai_config.json'));
    if (!fs.existsSync(graphPath)) throw new UserError(`${path.join(dir, 'genai_config.json')} names ${genaiGraph}, which is missing from ${dir}`);
    folder = { dir, graphPath, layout, config };
  }
  if (!fs.existsSync(path.join(dir, 'tokenizer.json'))) {
    throw new UserError(`${dir} has no tokenizer.json; copy it from the model's Hugging Face repository`);
  }
  const { heads, kvHeads, hidden, headDim } = folder.config;
  if (heads % kvHeads !== 0 || headDim * heads < hidden / 2) {
    throw new UserError(`inconsistent attention dimensions in ${dir}: ${heads} heads, ${kvHeads} kv heads, hidden ${hidden}`);
  }
  return folder;
}
