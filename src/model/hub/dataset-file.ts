import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { displayPath } from '../../util/display-path.ts';
import { notice } from '../../util/notices.ts';
import type { DatasetUrls, Settings } from '../../util/settings.ts';
import { printable } from '../../util/terminal-text.ts';
import { decodeUtf8 } from '../../util/text-file.ts';
import { isInside, repoPathProblem } from './hub-names.ts';
import { HubUnreachable, hubGetWhole } from './hub-request.ts';
import { hubSettings, type HubSettings } from './hub-settings.ts';

/**
 * The one cache of datasets' files (CulturalBench, GlobalOpinionQA, the next ones): each dataset has a
 * folder of cultune's cache named after it, holding its files under their Hub names. A file is
 * downloaded once through the Hub client's requests (hub-request.ts: a watchdog on silent hosts,
 * redirects followed by hand, HF_TOKEN only to HF_ENDPOINT's origin, a cap on the size), verified
 * (checksum, then parsed) before it is written, and verified again on every read.
 */

/** A dataset on the Hub. */
export interface HubDataset {
  /** Its folder in cultune's cache, and its mirror's key in the settings ($CULTUNE_<NAME>_URL). */
  name: keyof DatasetUrls;
  /** The folder of its files on the Hub, after the endpoint: datasets/<org>/<name>/resolve/<revision>[/<folder>]. */
  hubPath: string;
}

/** One file of a dataset. */
export interface DatasetFile {
  /** Name on the Hub and in the cache. */
  hubName: string;
  /**
   * Known SHA-256 of the Hub file. Absent where no copy of the original was available to hash:
   * such a file is trusted on first download and its hash recorded beside it.
   */
  pinnedSha256?: string;
}

/** Where a dataset's files are read and downloaded from. */
export interface DatasetAccess {
  cacheDir: string;
  baseUrl: string;
  /** false: use the cache only, never touch the network. */
  download: boolean;
  /** The endpoint, token and timeout the requests go with. */
  hub: HubSettings;
}

/** What a caller may change: another cache folder or mirror (a command's --cache-dir, --base-url; a test's server), downloads off. */
export interface DatasetOverrides {
  cacheDir?: string;
  baseUrl?: string;
  /** false: never download (default true; $HF_HUB_OFFLINE=1 forbids it too). */
  download?: boolean;
}

/** The dataset's cache folder under the settings' cache root (`--cache-dir` overrides it). */
export function datasetCacheDir(dataset: HubDataset, settings: Pick<Settings, 'cacheRoot'>, cacheDir?: string): string {
  return cacheDir ? path.resolve(cacheDir) : path.join(settings.cacheRoot, dataset.name);
}

/** Where `dataset` comes from under `settings`: its cache folder, the mirror its variable names, else the Hub at HF_ENDPOINT. */
export function datasetAccess(dataset: HubDataset, settings: Settings, overrides: DatasetOverrides = {}): DatasetAccess {
  const hub = hubSettings(settings);
  return {
    cacheDir: datasetCacheDir(dataset, settings, overrides.cacheDir),
    baseUrl: overrides.baseUrl || settings.datasetUrls[dataset.name] || `${hub.endpoint}/${dataset.hubPath}`,
    download: (overrides.download ?? true) && !hub.offline,
    hub,
  };
}

export interface CacheOptions<T> extends DatasetAccess {
  /** Reads the file's content, throwing a UserError if it is not a valid file of its kind. */
  parse: (text: string, source: string) => T;
  /** The flag of the command at hand that takes a local copy instead ("--data"); none where it has no such flag. */
  localFlag?: string;
}

/** The largest dataset file read: each is held in memory whole (CulturalBench's are a few MB, GlobalOpinionQA's some 20 MB). */
const MAX_DATASET_BYTES = 512 * 2 ** 20;

/** The next step when the cache cannot be filled: a local copy through the command's flag, or a mirror. */
function remedy(localFlag: string | undefined): string {
  return `${localFlag ? `pass ${localFlag} with a local copy, or ` : ''}set HF_ENDPOINT to a reachable Hub mirror`;
}

export interface CachedFile<T> {
  path: string;
  content: T;
  sha256: string;
  origin: 'cache' | 'download';
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash recorded on first download of a file that has no pinned hash (trust on first use). */
function recordedHashPath(cacheDir: string, file: DatasetFile): string {
  return path.join(cacheDir, `${file.hubName}.sha256`);
}

/** The pinned hash, else the one recorded at first download; a record that is not a SHA-256 counts as absent. */
function expectedHash(cacheDir: string, file: DatasetFile): string | undefined {
  if (file.pinnedSha256) return file.pinnedSha256;
  const recorded = recordedHashPath(cacheDir, file);
  const text = fs.existsSync(recorded) ? fs.readFileSync(recorded, 'utf8').trim() : '';
  return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
}

/** Why a cached copy cannot be used (its checksum, or its content), or undefined with the parsed content. */
function checkCached<T>(target: string, expected: string | undefined, parse: (text: string, source: string) => T): { content: T; sha256: string } | { damaged: string } {
  const bytes = fs.readFileSync(target);
  const actual = sha256Hex(bytes);
  if (expected !== undefined && actual !== expected) return { damaged: `sha256 ${actual.slice(0, 12)}..., expected ${expected.slice(0, 12)}...` };
  try {
    // Strictly: a damaged copy whose bytes are not UTF-8 would otherwise parse with U+FFFD in their place.
    return { content: parse(decodeUtf8(bytes, target, null), target), sha256: actual };
  } catch (error) {
    if (error instanceof UserError) return { damaged: error.message };
    throw error;
  }
}

async function fetchBytes(hub: HubSettings, url: string, localFlag: string | undefined): Promise<Uint8Array> {
  let answer;
  try {
    answer = await hubGetWhole(hub, url, url, MAX_DATASET_BYTES);
  } catch (error) {
    if (error instanceof HubUnreachable) throw new UserError(`cannot download ${url}: ${error.message}; offline? ${remedy(localFlag)}`);
    throw error;
  }
  if (answer.status < 200 || answer.status > 299) throw new UserError(`cannot download ${url}: HTTP ${answer.status}; ${remedy(localFlag)}`);
  return new Uint8Array(answer.body);
}

/** The file's place in the cache folder, refused unless its name is a plain repository path inside it. */
function cachedPath(cacheDir: string, file: DatasetFile): string {
  const problem = repoPathProblem(file.hubName);
  const target = path.join(cacheDir, file.hubName);
  if (problem || !isInside(cacheDir, target)) throw new UserError(`refusing the dataset file "${printable(file.hubName, 120)}": it ${problem ?? 'leads out of the cache folder'}`);
  return target;
}

/**
 * Returns a dataset file from the cache, downloading it once if absent. A download is verified
 * (checksum, then parsed) before it is written, so a bad download never lands in the cache; a cached
 * file is verified again on every read, and a damaged one is downloaded again (with a notice), or
 * reported in one line when downloads are off.
 */
export async function ensureCachedFile<T>(file: DatasetFile, options: CacheOptions<T>): Promise<CachedFile<T>> {
  const target = cachedPath(options.cacheDir, file);
  let expected = expectedHash(options.cacheDir, file);
  if (fs.existsSync(target)) {
    const cached = checkCached(target, expected, options.parse);
    if (!('damaged' in cached)) return { path: target, content: cached.content, sha256: cached.sha256, origin: 'cache' };
    if (!options.download) throw new UserError(`cached ${target} is damaged (${cached.damaged}); allow downloads to fetch it again${options.localFlag ? `, or pass ${options.localFlag} with a local copy` : ''}`);
    notice(`cached ${displayPath(target)} is damaged (${cached.damaged}); downloading it again`);
    // Without a pinned hash, the recorded one may be what was damaged: the new download is trusted and recorded afresh.
    if (!file.pinnedSha256) expected = undefined;
  }
  const url = `${options.baseUrl.replace(/\/+$/, '')}/${file.hubName}`;
  if (!options.download) throw new UserError(`${target} is not cached and downloads are disabled${options.localFlag ? `: pass ${options.localFlag} with a local copy` : ''}`);
  const bytes = await fetchBytes(options.hub, url, options.localFlag);
  const actual = sha256Hex(bytes);
  if (expected !== undefined && actual !== expected) {
    throw new UserError(
      `checksum mismatch for ${url}: got sha256 ${actual}, expected ${expected}; nothing was cached ` +
        `(if the dataset changed upstream, ${options.localFlag ? `download it yourself and pass ${options.localFlag}` : 'download it yourself into the cache'})`,
    );
  }
  const content = options.parse(decodeUtf8(bytes, url, `nothing was cached; ${remedy(options.localFlag)}`), url);
  // The hash goes first: a crash between the two writes leaves a hash without a file (re-download,
  // verified against it), never a file without its hash.
  const unwritable = 'set CULTUNE_CACHE or --cache-dir to a writable folder';
  if (expected === undefined) writeFileAtomic(recordedHashPath(options.cacheDir, file), `${actual}\n`, { remedy: unwritable });
  writeFileAtomic(target, bytes, { remedy: unwritable });
  return { path: target, content, sha256: actual, origin: 'download' };
}
