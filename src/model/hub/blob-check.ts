import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../util/atomic.ts';
import { hashExisting, startHash, type ExpectedBlob } from './blob-download.ts';
import { isBlobHash } from './hub-names.ts';

/**
 * A blob of the Hub cache is named by its hash (the sha256 of an LFS file, the git blob id of any other),
 * so its bytes can be checked offline too: a blob truncated or changed since it was written no longer
 * matches its name. Hashing gigabytes on every run would cost seconds, so a blob found intact is
 * stamped (in cultune's cache, not the Hub's, whose layout other tools read) with its device, inode,
 * size and modification time, and hashed again only when one of them changes.
 */

function stampPath(checkedDir: string, etag: string): string {
  return path.join(checkedDir, etag);
}

function identity(stats: fs.Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/** What a blob named `etag` must hash to: sha256 for a 64-digit name, a git blob id for a 40-digit one. */
function expectedByName(etag: string, size: number): ExpectedBlob {
  return { size, digest: { algorithm: isBlobHash(etag, 'lfs') ? 'sha256' : 'git-sha1', hex: etag } };
}

/** Notes that the blob at `blob` was just found (or written) intact. A stamp that cannot be written costs a hash next time. */
export function stampIntact(blob: string, etag: string, checkedDir: string): void {
  try {
    writeFileAtomic(stampPath(checkedDir, etag), identity(fs.statSync(blob)));
  } catch {
    // cultune's cache is read-only or full: the blob is hashed again next time, nothing is lost.
  }
}

/**
 * Whether the regular file `blob` still matches its name `etag` (a link, a folder or a missing file does
 * not); hashed only when it changed since it was last found intact (stamps in `checkedDir`).
 */
export function blobIntact(blob: string, etag: string, checkedDir: string): boolean {
  const stats = fs.lstatSync(blob, { throwIfNoEntry: false });
  if (!stats?.isFile()) return false;
  const stamp = stampPath(checkedDir, etag);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === identity(stats)) return true;
  const hash = startHash(expectedByName(etag, stats.size));
  hashExisting(blob, hash);
  const intact = hash.digest('hex') === etag;
  if (intact) stampIntact(blob, etag, checkedDir);
  return intact;
}
