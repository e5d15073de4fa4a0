import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError, describeFetchFailure } from '../util/errors.ts';
import type { DatasetFile } from './source.ts';
import { displayPath } from '../util/display-path.ts';
import { notice } from '../util/notices.ts';
import { decodeUtf8 } from '../util/text-file.ts';

export interface CacheOptions<T> {
  cacheDir: string;
  baseUrl: string;
  /** false: use the cache only, never touch the network. */
  download: boolean;
  /** Reads the file's content, throwing a UserError if it is not a valid file of its kind. */
  parse: (text: string, source: string) => T;
  /** The flag of the command at hand that takes a local copy instead ("--data"); none where it has no such flag. */
  localFlag?: string;
}

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
function recordedHashPath(cacheDir: string, file: Pick<DatasetFile, 'hubName'>): string {
  return path.join(cacheDir, `${file.hubName}.sha256`);
}

/** The pinned hash, else the one recorded at first download; a record that is not a SHA-256 counts as absent. */
function expectedHash(cacheDir: string, file: Pick<DatasetFile, 'hubName' | 'pinnedSha256'>): string | undefined {
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

async function fetchBytes(url: string, localFlag: string | undefined): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new UserError(`cannot download ${url}: ${describeFetchFailure(error)}; offline? ${remedy(localFlag)}`);
  }
  if (!response.ok) throw new UserError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}; ${remedy(localFlag)}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Returns a dataset file from the cache, downloading it once if absent. A download is verified
 * (checksum, then parsed) before it is written, so a bad download never lands in the cache; a cached
 * file is verified again on every read, and a damaged one is downloaded again (with a notice), or
 * reported in one line when downloads are off.
 */
export async function ensureCachedFile<T>(file: Pick<DatasetFile, 'hubName' | 'pinnedSha256'>, options: CacheOptions<T>): Promise<CachedFile<T>> {
  const target = path.join(options.cacheDir, file.hubName);
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
  const bytes = await fetchBytes(url, options.localFlag);
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
