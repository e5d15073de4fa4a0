import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeModel, encodeModel, prepareGraph, type GraphFacts } from './prepare-graph.ts';
import type { ModelProto } from './onnx-proto.ts';
import { openModelFolder } from './model-folder.ts';
import { writeFilesAtomic } from '../util/atomic.ts';
import { displayPath } from '../util/display-path.ts';
import { fileSystemError } from '../util/fs-errors.ts';
import { notice } from '../util/notices.ts';
import { cacheRoot } from '../util/cache-dir.ts';

/** Bumped whenever prepareGraph's output (or the cache entry's layout) changes, so stale entries are not reused. */
const PREPARE_VERSION = 2;

const CACHE_REMEDY = 'set CULTUNE_CACHE to a writable folder';

/** facts.json: the graph facts and the checksums that tell an intact cache entry from a damaged one. */
interface CacheRecord {
  facts: GraphFacts;
  factsSha256: string;
  modelSha256: string;
}

const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest('hex');

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

/** The cached facts when the entry is complete and intact; otherwise why not ('absent' when never written). */
function readCacheEntry(preparedPath: string, factsPath: string): GraphFacts | { damaged: string } {
  if (!fs.existsSync(factsPath)) return { damaged: 'absent' };
  let record: Partial<CacheRecord>;
  try {
    record = JSON.parse(fs.readFileSync(factsPath, 'utf8'));
  } catch {
    return { damaged: 'facts.json is not valid JSON' };
  }
  if (typeof record?.facts !== 'object' || record.factsSha256 !== sha256(JSON.stringify(record.facts))) return { damaged: 'facts.json does not match its checksum' };
  if (!fs.existsSync(preparedPath)) return { damaged: 'model.onnx is missing' };
  if (sha256(fs.readFileSync(preparedPath)) !== record.modelSha256) return { damaged: 'model.onnx does not match its checksum' };
  return record.facts;
}

/** A model's identity in run.json: the SHA-256 of its graph file's bytes. */
export function graphHash(bytes: Uint8Array): string {
  return sha256(bytes);
}

/** The graph hash of a model folder without loading the model: what `sweep --queue` puts in each job. */
export function modelGraphHash(dir: string): string {
  const graphPath = openModelFolder(dir).graphPath;
  try {
    return graphHash(fs.readFileSync(graphPath));
  } catch (error) {
    throw fileSystemError(error, graphPath, 'read');
  }
}

/**
 * Returns the prepared (rewritten) graph for a model file, from the cache when the source is unchanged.
 * The key is the SHA-256 of the graph file: external weights are referenced, not copied, so only the
 * graph's own bytes decide what the prepared graph looks like. onnxruntime refuses external data
 * outside the graph's folder (symbolic links included), so the session is created from the prepared
 * bytes with the source folder named as the external data folder. An entry is verified against its
 * checksums on every load; a damaged one (a truncated graph, an edited facts.json) is rebuilt, with a notice.
 */
export function loadPreparedModel(graphPath: string, cacheDir = path.join(cacheRoot(), 'prepared')): PreparedModel {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(graphPath);
  } catch (error) {
    throw fileSystemError(error, graphPath, 'read');
  }
  const sourceHash = graphHash(bytes);
  const folder = path.join(cacheDir, `${sourceHash.slice(0, 24)}-v${PREPARE_VERSION}`);
  const preparedPath = path.join(folder, 'model.onnx');
  const factsPath = path.join(folder, 'facts.json');
  const source = decodeModel(bytes);
  const externalDataDir = path.dirname(path.resolve(graphPath));
  const cached = readCacheEntry(preparedPath, factsPath);
  if (!('damaged' in cached)) return { graphPath: preparedPath, externalDataDir, facts: cached, source, sourceHash, created: false };
  if (cached.damaged !== 'absent') notice(`the prepared-graph cache ${displayPath(folder)} was damaged (${cached.damaged}); rebuilding it`);
  const rewritten = decodeModel(bytes);
  const facts = prepareGraph(rewritten);
  const prepared = encodeModel(rewritten);
  const record: CacheRecord = { facts, factsSha256: sha256(JSON.stringify(facts)), modelSha256: sha256(prepared) };
  // facts.json is renamed into place last: its presence marks a complete cache entry.
  writeFilesAtomic([[preparedPath, prepared], [factsPath, `${JSON.stringify(record, null, 2)}\n`]], { remedy: CACHE_REMEDY });
  return { graphPath: preparedPath, externalDataDir, facts, source, sourceHash, created: true };
}
