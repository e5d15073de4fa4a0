import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeModel, encodeModel, prepareGraph, topologicalOrder, type GraphFacts, type PlanName } from './prepare-graph.ts';
import { convertToHalf, toHalfBits, type ComputeDtype, type HalfDtype } from './half-precision.ts';
import { DataType, type GraphProto, type ModelProto } from './onnx-proto.ts';
import { openModelFolder } from './model-folder.ts';
import { ExternalDataLayout, byteLength, checkExternalData, externalDataLocation, readBytes, readFloatInitializer } from './tensor-data.ts';
import { writeFilesAtomic, type FileData } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { displayPath } from '../util/display-path.ts';
import { preparedCacheDir, readSettings } from '../util/settings.ts';
import { fileSystemError } from '../util/fs-errors.ts';
import { notice } from '../util/notices.ts';

/** Bumped whenever prepareGraph's output (or the cache entry's layout) changes, so stale entries are not reused. */
const PREPARE_VERSION = 9;

/** Tensors of at least this many bytes go to a converted graph's own external data file. */
const EXTERNAL_THRESHOLD = 1024;
const CONVERTED_DATA = 'model.onnx_data';

const CACHE_REMEDY = 'set CULTUNE_CACHE to a writable folder';

/** facts.json: the graph facts and the checksums that tell an intact cache entry from a damaged one. */
interface CacheRecord {
  facts: GraphFacts;
  factsSha256: string;
  modelSha256: string;
  /** Size of the converted weights' data file (a converted graph only; too large to hash on every load). */
  dataBytes?: number;
}

const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest('hex');

export interface PreparedModel {
  /** The rewritten graph file; its external data stay in the source folder unless the weights were converted. */
  graphPath: string;
  /** The folder that external data locations are relative to (the source graph's folder, or the prepared one's). */
  externalDataDir: string;
  facts: GraphFacts;
  /** The original graph, decoded (initializers included, for reading the embedding table). */
  source: ModelProto;
  sourceHash: string;
  /** True when this call wrote the prepared graph, false when it came from the cache. */
  created: boolean;
}

export interface PrepareOptions {
  /**
   * The cache's folder: commands pass their settings' (`<cache root>/prepared`); a caller that passes
   * none (a script, a test loading a model directly) gets the environment's.
   */
  cacheDir?: string;
  /** The plan the graph serves (default tree). */
  plan?: PlanName;
  /** Compute precision; default: the graph as exported. */
  dtype?: ComputeDtype;
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
  if (record.dataBytes !== undefined) {
    const data = path.join(path.dirname(preparedPath), CONVERTED_DATA);
    if (!fs.existsSync(data) || fs.statSync(data).size !== record.dataBytes) return { damaged: `${CONVERTED_DATA} is missing or of the wrong size` };
  }
  return record.facts;
}

/** A model's identity in run.json: the SHA-256 of its graph file's bytes. */
export function graphHash(bytes: Uint8Array): string {
  return sha256(bytes);
}

/** The graph hash of a model folder without loading the model: what `sweep --queue` puts in each job. */
export function modelGraphHash(dir: string, graphFile?: string): string {
  const graphPath = openModelFolder(dir, graphFile).graphPath;
  try {
    return graphHash(fs.readFileSync(graphPath));
  } catch (error) {
    throw fileSystemError(error, graphPath, 'read');
  }
}

/**
 * Where the external data files really are. onnxruntime refuses a data file whose real path leaves the
 * data folder, and the Hub cache's snapshot files are links into its blobs/ folder: for linked files,
 * the prepared graph names the real files (blob names) and their real folder instead.
 */
function externalDataTargets(model: ModelProto, dir: string): { dir: string; renames: Record<string, string> } {
  const locations = new Set((model.graph?.initializer ?? []).map((t) => externalDataLocation(t)?.file).filter((f): f is string => f !== undefined));
  const renames: Record<string, string> = {};
  const folders = new Set<string>();
  for (const location of locations) {
    const logical = path.resolve(dir, location);
    // A missing file is reported where its bytes are first read (tensor-data.ts), naming the tensor.
    if (!fs.existsSync(logical)) continue;
    const real = fs.realpathSync(logical);
    if (real === logical) continue;
    renames[location] = path.basename(real);
    folders.add(path.dirname(real));
  }
  if (folders.size === 0) return { dir, renames };
  if (folders.size > 1 || Object.keys(renames).length < locations.size) {
    throw new UserError(`the external data files of the graph in ${dir} are links into different folders; onnxruntime needs them in one (copy them beside the graph)`);
  }
  return { dir: [...folders][0], renames };
}

function renameExternalData(model: ModelProto, renames: Record<string, string>): void {
  for (const tensor of model.graph?.initializer ?? []) {
    for (const entry of tensor.externalData ?? []) if (entry.key === 'location' && entry.value && renames[entry.value]) entry.value = renames[entry.value];
  }
}

/**
 * Returns the prepared (rewritten) graph for a model file, from the cache when the source is unchanged.
 * The key is the SHA-256 of the graph file (and, for linked data files, of the names they link to), the
 * plan and the precision: external weights are referenced, not copied, so only the graph's own bytes
 * decide what the prepared graph looks like. onnxruntime refuses external data outside the graph's
 * folder, so the session is created from the prepared bytes with the data's folder named as the
 * external data folder; a precision conversion writes the converted weights (and any other external
 * tensor) into the prepared folder instead. An entry is verified against its checksums on every load;
 * a damaged one (a truncated graph, an edited facts.json) is rebuilt, with a notice.
 */
export function loadPreparedModel(graphPath: string, options: PrepareOptions = {}): PreparedModel {
  const { cacheDir = preparedCacheDir(readSettings()), plan = 'tree' } = options;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(graphPath);
  } catch (error) {
    throw fileSystemError(error, graphPath, 'read');
  }
  const sourceHash = graphHash(bytes);
  const source = decodeModel(bytes);
  const sourceDir = path.dirname(path.resolve(graphPath));
  // On every load, cached or not: the data files may have changed since the entry was made.
  checkExternalData(source.graph?.initializer ?? [], sourceDir);
  const { dir: dataDir, renames } = externalDataTargets(source, sourceDir);
  const linked = Object.keys(renames).length > 0 ? `-${sha256(JSON.stringify(renames)).slice(0, 12)}` : '';
  const folder = path.join(cacheDir, `${sourceHash.slice(0, 24)}${linked}-v${PREPARE_VERSION}-${plan}-${options.dtype ?? 'as-exported'}`);
  const preparedPath = path.join(folder, 'model.onnx');
  const factsPath = path.join(folder, 'facts.json');
  const externalDataDir = (facts: GraphFacts) => (facts.computeDtype === facts.dtype ? dataDir : folder);
  const cached = readCacheEntry(preparedPath, factsPath);
  if (!('damaged' in cached)) return { graphPath: preparedPath, externalDataDir: externalDataDir(cached), facts: cached, source, sourceHash, created: false };
  if (cached.damaged !== 'absent') notice(`the prepared-graph cache ${displayPath(folder)} was damaged (${cached.damaged}); rebuilding it`);
  const rewritten = decodeModel(bytes);
  const facts = prepareGraph(rewritten, plan);
  const convert = options.dtype && options.dtype !== facts.dtype ? options.dtype : undefined;
  const files: [string, FileData][] = [];
  let dataBytes: number | undefined;
  if (convert) {
    if (convert === 'float32' || facts.dtype !== 'float32') {
      throw new UserError(`converting to ${convert} needs an fp32 export; this one is ${facts.dtype}: load it as it comes (--dtype auto)`);
    }
    const data = convertWeights(rewritten.graph!, convert, sourceDir);
    facts.computeDtype = convert;
    files.push([path.join(folder, CONVERTED_DATA), data]);
    dataBytes = data.reduce((sum, chunk) => sum + chunk.length, 0);
  }
  // Unconverted weights stay where they are: named by their real files when the source's are links.
  if (!convert) renameExternalData(rewritten, renames);
  const prepared = encodeModel(rewritten);
  const record: CacheRecord = { facts, factsSha256: sha256(JSON.stringify(facts)), modelSha256: sha256(prepared), dataBytes };
  // facts.json is renamed into place last: its presence marks a complete cache entry.
  files.push([preparedPath, prepared], [factsPath, `${JSON.stringify(record, null, 2)}\n`]);
  writeFilesAtomic(files, { remedy: CACHE_REMEDY });
  return { graphPath: preparedPath, externalDataDir: externalDataDir(facts), facts, source, sourceHash, created: true };
}

/**
 * Converts the graph to compute in `dtype` and lays out its new external data: the converted weights,
 * and every other tensor that was external (onnxruntime reads external data from one folder).
 */
function convertWeights(graph: GraphProto, dtype: HalfDtype, sourceDir: string): Uint8Array[] {
  const { convertedInitializers } = convertToHalf(graph, dtype);
  graph.node = topologicalOrder(graph.node!);
  const layout = new ExternalDataLayout(CONVERTED_DATA);
  for (const tensor of graph.initializer ?? []) {
    const converted = convertedInitializers.has(tensor.name!);
    if (!converted && !externalDataLocation(tensor)) continue;
    const data = converted
      ? toHalfBits(readFloatInitializer({ ...tensor, dataType: DataType.FLOAT }, sourceDir).data, dtype)
      : readBytes(tensor, sourceDir, byteLength(tensor));
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (raw.length >= EXTERNAL_THRESHOLD) {
      layout.place(tensor, raw);
    } else {
      Object.assign(tensor, { rawData: raw, floatData: [], externalData: [], dataLocation: 0 });
    }
  }
  return layout.chunks;
}
