import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../util/errors.ts';
import { acquireLockFile } from '../../util/lock.ts';
import { displayPath } from '../../util/display-path.ts';
import { notice } from '../../util/notices.ts';
import { printable } from '../../util/terminal-text.ts';
import { blobIntact, stampIntact } from './blob-check.ts';
import { downloadBlob, type ExpectedBlob } from './blob-download.ts';
import { RepoCache } from './cache-layout.ts';
import { graphInSnapshot, selectModelFiles } from './graph-variant.ts';
import { hubHttpError, listRepoFiles, resolveCommit, type ListedFile } from './hub-api.ts';
import { isBlobHash, repoPathProblem, revisionProblem } from './hub-names.ts';
import { HubUnreachable } from './hub-request.ts';
import type { HubSettings } from './hub-settings.ts';

export interface HubModelRequest {
  repoId: string;
  /** Branch, tag or commit (default main). */
  revision?: string;
  /** fp32 (default) or fp16: which graph of the repository. */
  variant?: string;
  /** A graph file inside the repository (overrides `variant`), e.g. onnx/model_fp16.onnx. */
  modelFile?: string;
}

/** A model folder in the Hub cache: the snapshot of one commit, holding what cultune needs. */
export interface HubModel {
  dir: string;
  /** The graph, relative to `dir`. */
  graphFile: string;
  repoId: string;
  commit: string;
  /** One line when the cache was used because the Hub could not be reached. */
  notice?: string;
}

export interface DownloadProgress {
  /** Before the first byte: how much is missing from the cache. */
  onStart?(missing: { files: number; bytes: number }): void;
  onBytes?(bytes: number): void;
  onEnd?(): void;
}

function resolveUrl(settings: HubSettings, repoId: string, commit: string, file: string): string {
  return `${settings.endpoint}/${repoId}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** --revision and --model-file become paths in the cache: refused in one line unless they are a ref name and a repository path. */
function checkRequest(request: HubModelRequest): void {
  const revisionWhy = request.revision === undefined ? undefined : revisionProblem(request.revision);
  if (revisionWhy) throw new UserError(`--revision ${printable(request.revision!, 80)} is not a branch, tag or commit name (it ${revisionWhy}); give e.g. main, v1.0 or a 40-digit commit`);
  const fileWhy = request.modelFile === undefined ? undefined : repoPathProblem(request.modelFile);
  if (fileWhy) throw new UserError(`--model-file ${printable(request.modelFile!, 80)} is not a path inside the repository (it ${fileWhy}); give e.g. onnx/model_fp16.onnx`);
}

/** Every file below `dir`, as repository paths (for a cached snapshot, which has no listing). */
function filesBelow(dir: string, sub = ''): string[] {
  return fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(sub, entry.name);
    return entry.isDirectory() ? filesBelow(dir, file) : [file];
  });
}

/**
 * Checks a cached snapshot file before it is read: a link must lead into the repository's blobs folder
 * (a link elsewhere would make cultune read a file outside the cache), and the blob must still match
 * the hash it is named by. A regular file (a copy where links are not possible) has nothing to check.
 * Returns why the file cannot be used, or undefined.
 */
function cachedFileProblem(cache: RepoCache, checkedDir: string, snapshot: string, file: string): string | undefined {
  const pointer = path.join(snapshot, file);
  if (!fs.lstatSync(pointer).isSymbolicLink()) return undefined;
  const blob = path.resolve(path.dirname(pointer), fs.readlinkSync(pointer));
  if (path.dirname(blob) !== path.resolve(cache.blobsDir)) return `it links outside ${displayPath(cache.blobsDir)}`;
  const etag = path.basename(blob);
  if (!isBlobHash(etag, 'git') && !isBlobHash(etag, 'lfs')) return undefined;
  if (!fs.existsSync(blob)) return 'its blob is missing';
  return blobIntact(blob, etag, checkedDir) ? undefined : 'its blob no longer matches the hash it is named by (truncated or changed)';
}

/** The snapshot of `revision` already in the cache, with the chosen graph and the config and tokenizer beside it, each checked. */
function fromCache(cache: RepoCache, checkedDir: string, request: HubModelRequest, why: string): HubModel {
  const revision = request.revision ?? 'main';
  const commit = cache.commitOf(revision);
  const dir = commit === undefined ? undefined : cache.snapshotDir(commit);
  const where = `${request.repoId}${revision === 'main' ? '' : ` at ${revision}`}`;
  if (!dir || !fs.existsSync(dir)) {
    throw new UserError(`${why}, and ${where} is not in the Hub cache ${displayPath(cache.root)}: set HF_ENDPOINT to a reachable Hub mirror, or pass --model with a local folder holding the ONNX export`);
  }
  const graphFile = graphInSnapshot(request, (file) => fs.existsSync(cache.snapshotFile(commit!, file)));
  const missing = ['config.json', 'tokenizer.json', graphFile].filter((file) => !fs.existsSync(path.join(dir, file)));
  if (missing.length > 0) throw new UserError(`${why}, and the cached snapshot of ${where} lacks ${missing.join(', ')}`);
  const { files } = selectModelFiles(request.repoId, filesBelow(dir), { modelFile: graphFile });
  for (const file of files) {
    const problem = cachedFileProblem(cache, checkedDir, dir, file);
    if (problem) throw new UserError(`${why}, and the cached ${file} of ${where} cannot be used: ${problem}; it is downloaded again once the Hub can be reached (with HF_HUB_OFFLINE unset)`);
  }
  return { dir, graphFile, repoId: request.repoId, commit: commit! };
}

/** Bytes free for an unprivileged user on the disk that holds `dir` (or would, once created). */
function freeBytes(dir: string): number {
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const stats = fs.statfsSync(existing);
  return stats.bavail * stats.bsize;
}

const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/**
 * Which of `blobs` must be downloaded: those not in the cache, and those whose cached bytes no longer
 * match their hash (deleted, with a notice). Refuses in one line, before any byte, when they do not fit
 * on the disk (a partial file already there counts as downloaded).
 */
function blobsToDownload(cache: RepoCache, checkedDir: string, repoId: string, blobs: { file: string; etag: string; expected: ExpectedBlob }[]) {
  const missing = blobs.filter(({ file, etag }) => {
    const target = cache.blobPath(etag);
    if (!fs.existsSync(target)) return true;
    if (blobIntact(target, etag, checkedDir)) return false;
    notice(`the cached ${file} of ${repoId} no longer matches its hash (truncated or changed); downloading it again`);
    fs.rmSync(target, { force: true });
    return true;
  });
  const partialBytes = (etag: string) => fs.statSync(`${cache.blobPath(etag)}.incomplete`, { throwIfNoEntry: false })?.size ?? 0;
  const needed = missing.reduce((sum, { etag, expected }) => sum + Math.max(0, expected.size - partialBytes(etag)), 0);
  const free = freeBytes(cache.root);
  if (needed > free) {
    throw new UserError(`${repoId} needs ${gigabytes(needed)} more in ${displayPath(cache.root)}, and that disk has ${gigabytes(free)} free; free some space, or set HF_HUB_CACHE to a folder on another disk`);
  }
  return missing;
}

/**
 * Resolves the revision to a commit, lists the repository, and downloads into the Hub cache what is
 * missing: config, tokenizer files, the chosen graph and its external data. Each blob is checked
 * against the Hub's hash before it enters the cache, under a lock so that two processes never write it
 * at once, and each cached one against its name before it is used. Offline ($HF_HUB_OFFLINE=1), or
 * when the Hub cannot be reached, the cached snapshot serves.
 */
export async function fetchHubModel(request: HubModelRequest, settings: HubSettings, progress: DownloadProgress = {}): Promise<HubModel> {
  checkRequest(request);
  const cache = new RepoCache(settings.cacheDir, request.repoId);
  if (settings.offline) return fromCache(cache, settings.checkedDir, request, 'HF_HUB_OFFLINE=1 forbids downloads');
  const revision = request.revision ?? 'main';
  let commit: string;
  let listing: ListedFile[];
  try {
    commit = await resolveCommit(settings, request.repoId, revision);
    listing = await listRepoFiles(settings, request.repoId, commit);
  } catch (error) {
    if (!(error instanceof HubUnreachable)) throw error;
    const cached = fromCache(cache, settings.checkedDir, request, error.message);
    return { ...cached, notice: `${error.message}; using the cached snapshot ${cached.commit.slice(0, 12)} of ${request.repoId}` };
  }
  const { graph, files } = selectModelFiles(request.repoId, listing.map((entry) => entry.path), request);
  const byPath = new Map(listing.map((entry) => [entry.path, entry.blob]));
  // A blob is named by its hash (huggingface_hub's etag): the sha256 of an LFS file, the git blob id of any other.
  const blobs = files.map((file) => {
    const expected = byPath.get(file)!;
    return { file, etag: expected.digest.hex, expected };
  });
  const missing = blobsToDownload(cache, settings.checkedDir, request.repoId, blobs);
  if (missing.length > 0) {
    progress.onStart?.({ files: missing.length, bytes: missing.reduce((sum, blob) => sum + blob.expected.size, 0) });
    try {
      for (const { file, etag, expected } of missing) {
        const target = cache.blobPath(etag);
        const release = acquireLockFile(`${target}.lock`, (pid) => `another process (pid ${pid}) is downloading ${file} of ${request.repoId}; run again when it has finished`);
        try {
          if (!fs.existsSync(target)) {
            await downloadBlob(resolveUrl(settings, request.repoId, commit, file), target, expected, {
              settings,
              onBytes: progress.onBytes,
              httpError: (status, detail) => hubHttpError(settings, request.repoId, status, detail, `${request.repoId}/${file}`),
            });
            stampIntact(target, etag, settings.checkedDir);
          }
        } finally {
          release();
        }
      }
    } finally {
      progress.onEnd?.();
    }
  }
  for (const { file, etag } of blobs) cache.linkIntoSnapshot(commit, file, etag);
  cache.writeRef(revision, commit);
  return { dir: cache.snapshotDir(commit), graphFile: graph, repoId: request.repoId, commit };
}
