import fs from 'node:fs';
import path from 'node:path';
import { getHFHubCachePath, getRepoFolderName } from '@huggingface/hub';
import { writeFileAtomic } from '../../util/atomic.ts';

/**
 * huggingface_hub's cache layout, which huggingface.js and transformers share:
 *   <cache>/models--<org>--<name>/blobs/<etag>            the bytes (etag: sha256 for LFS files, git sha1 otherwise)
 *                                 snapshots/<commit>/<file> relative links to the blobs
 *                                 refs/<branch or tag>      the commit it pointed to when last resolved
 * A model downloaded once, by Python or by cultune, is found here by all of them.
 */

/** The Hub cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (as huggingface_hub). */
export function hubCacheDir(): string {
  return getHFHubCachePath();
}

export class RepoCache {
  readonly root: string;

  constructor(cacheDir: string, readonly repoId: string) {
    this.root = path.join(cacheDir, getRepoFolderName({ type: 'model', name: repoId }));
  }

  snapshotDir(commit: string): string {
    return path.join(this.root, 'snapshots', commit);
  }

  blobPath(etag: string): string {
    return path.join(this.root, 'blobs', etag);
  }

  /** The commit a branch or tag pointed to when it was last resolved, or the revision itself when it is a commit. */
  commitOf(revision: string): string | undefined {
    if (isCommitHash(revision)) return revision;
    const ref = path.join(this.root, 'refs', revision);
    return fs.existsSync(ref) ? fs.readFileSync(ref, 'utf8').trim() : undefined;
  }

  writeRef(revision: string, commit: string): void {
    if (revision !== commit) writeFileAtomic(path.join(this.root, 'refs', revision), commit);
  }

  /** Puts `<snapshot>/<file>` in place as a relative link to its blob (replacing any older link atomically). */
  linkIntoSnapshot(commit: string, file: string, etag: string): void {
    const pointer = path.join(this.snapshotDir(commit), file);
    fs.mkdirSync(path.dirname(pointer), { recursive: true });
    const temporary = `${pointer}.${process.pid}.link`;
    fs.rmSync(temporary, { force: true });
    fs.symlinkSync(path.relative(path.dirname(pointer), this.blobPath(etag)), temporary);
    fs.renameSync(temporary, pointer);
  }
}

export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
