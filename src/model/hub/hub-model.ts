import fs from 'node:fs';
import path from 'node:path';
import type { ListFileEntry } from '@huggingface/hub';
import { UserError } from '../../util/errors.ts';
import { acquireLockFile } from '../../util/lock.ts';
import { displayPath } from '../../util/display-path.ts';
import { downloadBlob, type ExpectedBlob } from './blob-download.ts';
import { RepoCache } from './cache-layout.ts';
import { graphInSnapshot, selectModelFiles } from './graph-variant.ts';
import { hubHttpError, HubUnreachable, listRepoFiles, resolveCommit } from './hub-api.ts';
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

function expectedBlob(entry: ListFileEntry): { etag: string; expected: ExpectedBlob } {
  if (entry.lfs) return { etag: entry.lfs.oid, expected: { size: entry.lfs.size, digest: { algorithm: 'sha256', hex: entry.lfs.oid } } };
  if (entry.oid) return { etag: entry.oid, expected: { size: entry.size, digest: { algorithm: 'git-sha1', hex: entry.oid } } };
  throw new UserError(`the Hub lists ${entry.path} without a hash; cultune cannot check it`);
}

function resolveUrl(settings: HubSettings, repoId: string, commit: string, file: string): string {
  return `${settings.endpoint}/${repoId}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** The snapshot of `revision` already in the cache, with the chosen graph and the config and tokenizer beside it. */
function fromCache(cache: RepoCache, request: HubModelRequest, why: string): HubModel {
  const revision = request.revision ?? 'main';
  const commit = cache.commitOf(revision);
  const dir = commit === undefined ? undefined : cache.snapshotDir(commit);
  const where = `${request.repoId}${revision === 'main' ? '' : ` at ${revision}`}`;
  if (!dir || !fs.existsSync(dir)) throw new UserError(`${why}, and ${where} is not in the Hub cache ${displayPath(cache.root)}`);
  const graphFile = graphInSnapshot(request, (file) => fs.existsSync(path.join(dir, file)));
  const missing = ['config.json', 'tokenizer.json', graphFile].filter((file) => !fs.existsSync(path.join(dir, file)));
  if (missing.length > 0) throw new UserError(`${why}, and the cached snapshot of ${where} lacks ${missing.join(', ')}`);
  return { dir, graphFile, repoId: request.repoId, commit: commit! };
}

/**
 * Resolves the revision to a commit, lists the repository (huggingface.js), and downloads into the
 * Hub cache what is missing: config, tokenizer files, the chosen graph and its external data. Each blob
 * is checked against the Hub's hash before it enters the cache, under a lock so that two processes
 * never write it at once. Offline ($HF_HUB_OFFLINE=1), or when the Hub cannot be reached, the cached
 * snapshot serves.
 */
export async function fetchHubModel(request: HubModelRequest, settings: HubSettings, progress: DownloadProgress = {}): Promise<HubModel> {
  const cache = new RepoCache(settings.cacheDir, request.repoId);
  if (settings.offline) return fromCache(cache, request, 'HF_HUB_OFFLINE=1 forbids downloads');
  const revision = request.revision ?? 'main';
  let commit: string;
  let listing: ListFileEntry[];
  try {
    commit = await resolveCommit(settings, request.repoId, revision);
    listing = await listRepoFiles(settings, request.repoId, commit);
  } catch (error) {
    if (!(error instanceof HubUnreachable)) throw error;
    const cached = fromCache(cache, request, error.message);
    return { ...cached, notice: `${error.message}; using the cached snapshot ${cached.commit.slice(0, 12)} of ${request.repoId}` };
  }
  const { graph, files } = selectModelFiles(request.repoId, listing.map((entry) => entry.path), request);
  const byPath = new Map(listing.map((entry) => [entry.path, entry]));
  const blobs = files.map((file) => ({ file, ...expectedBlob(byPath.get(file)!) }));
  const missing = blobs.filter((blob) => !fs.existsSync(cache.blobPath(blob.etag)));
  if (missing.length > 0) {
    progress.onStart?.({ files: missing.length, bytes: missing.reduce((sum, blob) => sum + blob.expected.size, 0) });
    try {
      for (const { file, etag, expected } of missing) {
        const target = cache.blobPath(etag);
        const release = acquireLockFile(`${target}.lock`, (pid) => `another process (pid ${pid}) is downloading ${file} of ${request.repoId}; run again when it has finished`);
        try {
          if (!fs.existsSync(target)) {
            await downloadBlob(resolveUrl(settings, request.repoId, commit, file), target, expected, {
              token: settings.token,
              onBytes: progress.onBytes,
              httpError: (status, detail) => hubHttpError(settings, request.repoId, status, detail, `${request.repoId}/${file}`),
            });
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
