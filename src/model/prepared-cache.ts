import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeModel, encodeModel, prepareGraph, type GraphFacts } from './prepare-graph.ts';
import type { ModelProto } from './onnx-proto.ts';
import { openModelFolder } from './model-folder.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.ts';
import { cacheRoot } from '../util/cache-dir.ts';

/** Bumped whenever prepareGraph's output changes, so stale prepared graphs are not reused. */
const PREPARE_VERSION = 1;

export interface PreparedModel {
  /** The rewritten graph file; its external data stay in the source folder. */
  graphPath: string;
  /** The folder that external data locations are relative to (the source graph's folder). */
  externalDataDir: string;
  facts: GraphFacts;
  /** The original graph, decoded (initializers included, for reading the embedding table). */
  source: ModelProto;
  sourceHash: string;
  /** True when this call wrote the prepared graph, false when it came from the cache. */
  created: boolean;
}

/** A model's identity in run.json: the SHA-256 of its graph file's bytes. */
export function graphHash(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The graph hash of a model folder without loading the model: what `sweep --queue` puts in each job. */
export function modelGraphHash(dir: string): string {
  return graphHash(fs.readFileSync(openModelFolder(dir).graphPath));
}

/**
 * Returns the prepared (rewritten) graph for a model file, from the cache when the source is unchanged.
 * The key is the SHA-256 of the graph file: external weights are referenced, not copied, so only the
 * graph's own bytes decide what the prepared graph looks like. onnxruntime refuses external data
 * outside the graph's folder (symbolic links included), so the session is created from the prepared
 * bytes with the source folder named as the external data folder.
 */
export function loadPreparedModel(graphPath: string, cacheDir = path.join(cacheRoot(), 'prepared')): PreparedModel {
  const bytes = fs.readFileSync(graphPath);
  const sourceHash = graphHash(bytes);
  const folder = path.join(cacheDir, `${sourceHash.slice(0, 24)}-v${PREPARE_VERSION}`);
  const preparedPath = path.join(folder, 'model.onnx');
  const factsPath = path.join(folder, 'facts.json');
  const source = decodeModel(bytes);
  const externalDataDir = path.dirname(path.resolve(graphPath));
  if (fs.existsSync(preparedPath) && fs.existsSync(factsPath)) {
    const facts = JSON.parse(fs.readFileSync(factsPath, 'utf8')) as GraphFacts;
    return { graphPath: preparedPath, externalDataDir, facts, source, sourceHash, created: false };
  }
  const rewritten = decodeModel(bytes);
  const facts = prepareGraph(rewritten);
  writeFileAtomic(preparedPath, encodeModel(rewritten));
  // facts.json is written last: its presence marks a complete cache entry.
  writeJsonAtomic(factsPath, facts);
  return { graphPath: preparedPath, externalDataDir, facts, source, sourceHash, created: true };
}
