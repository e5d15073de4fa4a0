import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, describeError } from '../util/errors.ts';
import { fileSystemError } from '../util/fs-errors.ts';
import { decodeUtf8 } from '../util/text-file.ts';
import { datasetAccess, datasetCacheDir, ensureCachedFile, sha256Hex, type DatasetOverrides } from '../model/hub/dataset-file.ts';
import { parseEasyCsv, parseHardCsv } from './parse.ts';
import { CULTURALBENCH, EASY_FILE, HARD_FILE, type BenchFile } from './source.ts';
import type { CulturalBenchData, DataFileInfo } from './types.ts';
import { displayPath } from '../util/display-path.ts';
import type { Settings } from '../util/settings.ts';

/** `cacheDir` overrides <cache root>/culturalbench; `baseUrl` overrides $CULTUNE_CULTURALBENCH_URL and the pinned Hub revision. */
export interface LoadOptions extends DatasetOverrides {
  /** A folder with local copies; when given, the cache and the network are not used. */
  dataDir?: string;
  /** The command's flag for a local copy, named in the advice when the cache cannot be filled (default --culturalbench-data). */
  localFlag?: string;
  /**
   * tryLoadCulturalBench only: without `dataDir`, where the cache has no copy and none can be downloaded,
   * read the copy shipped with cultune (SHIPPED_DATA_DIR) instead of going on without CulturalBench.
   */
  shippedFallback?: boolean;
}

/**
 * The copy shipped with cultune (data/culturalbench, its PROVENANCE.md says what it is): the published
 * Easy file, byte for byte (its hash is EASY_FILE's pin), and a 145-question slice of a Hard file
 * reconstructed from Easy. Enough for the demo to show the trade-off offline; too little Hard for results.
 */
export const SHIPPED_DATA_DIR = fileURLToPath(new URL('../../data/culturalbench', import.meta.url));

export type Availability =
  /** `shippedBecause`: set where the copy shipped with cultune was read, saying why the cache could not serve. */
  | { available: true; data: CulturalBenchData; shippedBecause?: string }
  | { available: false; reason: string };

/** The default local-copy flag: CulturalBench's, on every command that reads it. */
const LOCAL_FLAG = '--culturalbench-data';

function readLocalFile<T>(dataDir: string, file: BenchFile, parse: (text: string, source: string) => T): { info: DataFileInfo; content: T } {
  const found = file.localNames.map((name) => path.join(dataDir, name)).find((p) => fs.existsSync(p));
  if (!found) throw new UserError(`${dataDir} has no ${file.localNames.join(' or ')}`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(found);
  } catch (error) {
    throw fileSystemError(error, found, 'read');
  }
  return { info: { kind: file.kind, path: found, sha256: sha256Hex(bytes), origin: 'local' }, content: parse(decodeUtf8(bytes, found), found) };
}

/** One file from `dataDir`, or from the cache (downloading it if missing). */
async function loadFile<T>(file: BenchFile, parse: (text: string, source: string) => T, settings: Settings, options: LoadOptions): Promise<{ info: DataFileInfo; content: T }> {
  if (options.dataDir) return readLocalFile(path.resolve(options.dataDir), file, parse);
  const cached = await ensureCachedFile(file, { ...datasetAccess(CULTURALBENCH, settings, options), parse, localFlag: options.localFlag ?? LOCAL_FLAG });
  return { info: { kind: file.kind, path: cached.path, sha256: cached.sha256, origin: cached.origin }, content: cached.content };
}

/** CulturalBench's folder in the dataset cache (`cacheDir` overrides it). */
export function culturalBenchCacheDir(settings: Pick<Settings, 'cacheRoot'>, cacheDir?: string): string {
  return datasetCacheDir(CULTURALBENCH, settings, cacheDir);
}

/** Loads Easy and Hard from `dataDir`, or from the cache (downloading what is missing). */
export async function loadCulturalBench(settings: Settings, options: LoadOptions = {}): Promise<CulturalBenchData> {
  const easy = await loadFile(EASY_FILE, parseEasyCsv, settings, options);
  const hard = await loadFile(HARD_FILE, parseHardCsv, settings, options);
  return {
    easy: easy.content.questions,
    hard: hard.content.questions,
    files: [easy.info, hard.info],
    setAside: [...easy.content.setAside, ...hard.content.setAside],
  };
}

/**
 * For callers that can go on without CulturalBench (the demo reports its instrument alone): never throws
 * for a missing or bad dataset, returns one line saying why it is unavailable instead (or, with
 * `shippedFallback`, the copy shipped with cultune).
 */
export async function tryLoadCulturalBench(settings: Settings, options: LoadOptions = {}): Promise<Availability> {
  try {
    return { available: true, data: await loadCulturalBench(settings, options) };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    if (options.shippedFallback && !options.dataDir) {
      const shipped = await tryLoadCulturalBench(settings, { dataDir: SHIPPED_DATA_DIR });
      return shipped.available ? { ...shipped, shippedBecause: describeError(error) } : shipped;
    }
    const where = options.dataDir ? `from ${options.dataDir}` : `(no usable copy in ${displayPath(culturalBenchCacheDir(settings, options.cacheDir))}, no ${options.localFlag ?? LOCAL_FLAG} DIR)`;
    return { available: false, reason: `CulturalBench unavailable ${where}: ${describeError(error)}` };
  }
}
