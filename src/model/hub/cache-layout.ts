import fs from 'node:fs';
import path from 'node:path';
import { getRepoFolderName } from '@huggingface/hub';
import { writeFileAtomic } from '../../util/atomic.ts';
import { displayPath } from '../../util/display-path.ts';
import { UserError } from '../../util/errors.ts';
import { printable } from '../../util/terminal-text.ts';
import { isBlobHash, isCommitHash, isInside, repoPathProblem, revisionProblem } from './hub-names.ts';

/**
 * huggingface_hub's cache layout, which huggingface.js and transformers share:
 *   <cache>/models--<org>--<name>/blobs/<etag>            the bytes (etag: sha256 for LFS files, git sha1 otherwise)
 *                                 snapshots/<commit>/<file> relative links to the blobs
 *                                 refs/<branch or tag>      the commit it pointed to when last resolved
 * A model downloaded once, by Python or by cultune, is found here by all of them.
 *
 * Every name is checked against its grammar (hub-names.ts) and every path built from it against its
 * folder before it is used, whoever checked it before: a name that slipped through would write or read
 * outside the cache.
 */

function refuse(what: string, name: string, problem: string): never {
  throw new UserError(`refusing ${what} "${printable(name, 120)}" in the Hub cache: it ${problem}`);
}

export class RepoCache {
  readonly root: string;

  constructor(cacheDir: string, readonly repoId: string) {
    this.root = path.join(cacheDir, getRepoFolderName({ type: 'model', name: repoId }));
  }

  get blobsDir(): string {
    return path.join(this.root, 'blobs');
  }

  snapshotDir(commit: string): string {
    if (!isCommitHash(commit)) refuse('the commit', commit, 'is not 40 hex digits');
    return path.join(this.root, 'snapshots', commit);
  }

  blobPath(etag: string): string {
    if (!isBlobHash(etag, 'git') && !isBlobHash(etag, 'lfs')) refuse('the blob', etag, 'is not 40 or 64 hex digits');
    return path.join(this.blobsDir, etag);
  }

  /** refs/<revision>, checked to stay inside refs/ (a revision may hold slashes: refs/pr/1). */
  private refPath(revision: string): string {
    const problem = revisionProblem(revision);
    if (problem) refuse('the revision', revision, problem);
    const refs = path.join(this.root, 'refs');
    const ref = path.join(refs, revision);
    if (!isInside(refs, ref)) refuse('the revision', revision, 'leads out of refs/');
    return ref;
  }

  /** The commit a branch or tag pointed to when it was last resolved, or the revision itself when it is a commit. */
  commitOf(revision: string): string | undefined {
    if (isCommitHash(revision)) return revision;
    const ref = this.refPath(revision);
    if (!fs.existsSync(ref)) return undefined;
    const commit = fs.readFileSync(ref, 'utf8').trim();
    if (!isCommitHash(commit)) throw new UserError(`${displayPath(ref)} holds no commit (40 hex digits); delete it, and the next run with the Hub reachable writes it again`);
    return commit;
  }

  writeRef(revision: string, commit: string): void {
    if (!isCommitHash(commit)) refuse('the commit', commit, 'is not 40 hex digits');
    if (revision !== commit) writeFileAtomic(this.refPath(revision), commit);
  }

  /** `<snapshot>/<file>`, checked to stay inside the snapshot folder. */
  snapshotFile(commit: string, file: string): string {
    const problem = repoPathProblem(file);
    if (problem) refuse('the file', file, problem);
    const snapshot = this.snapshotDir(commit);
    const pointer = path.join(snapshot, file);
    if (!isInside(snapshot, pointer)) refuse('the file', file, 'leads out of the snapshot');
    return pointer;
  }

  /** Puts `<snapshot>/<file>` in place as a relative link to its blob (replacing any older link atomically). */
  linkIntoSnapshot(commit: string, file: string, etag: string): void {
    const pointer = this.snapshotFile(commit, file);
    fs.mkdirSync(path.dirname(pointer), { recursive: true });
    const temporary = `${pointer}.${process.pid}.link`;
    fs.rmSync(temporary, { force: true });
    fs.symlinkSync(path.relative(path.dirname(pointer), this.blobPath(etag)), temporary);
    fs.renameSync(temporary, pointer);
  }
}
