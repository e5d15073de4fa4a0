import path from 'node:path';
import { hasControlCharacters } from '../../util/terminal-text.ts';

/**
 * The grammar of every name that comes from the Hub (or from --revision) and becomes part of a path in
 * the cache: a commit names a snapshot folder, a hash names a blob, a repository path names a link in a
 * snapshot, a revision names a ref file. A name outside its grammar could climb out of the cache
 * (`../`), so it is refused before any path is built; huggingface_hub checks the same
 * (REGEX_COMMIT_HASH, and the pointer path against the snapshot folder in file_download.py).
 * Each check returns why the name is refused ("it ..."), or undefined when it is fine.
 */

/** A git commit: 40 lowercase hex digits (huggingface_hub's REGEX_COMMIT_HASH). */
export function isCommitHash(text: string): boolean {
  return /^[0-9a-f]{40}$/.test(text);
}

/** A blob name: a git blob id (sha1, 40 hex) for a file in git, the sha256 (64 hex) for one in LFS. */
export function isBlobHash(text: string, kind: 'git' | 'lfs'): boolean {
  return (kind === 'git' ? /^[0-9a-f]{40}$/ : /^[0-9a-f]{64}$/).test(text);
}

/** Why a file path of a repository is not a relative path below the repository root, or undefined. */
export function repoPathProblem(file: string): string | undefined {
  if (file === '') return 'is empty';
  if (hasControlCharacters(file)) return 'holds control characters';
  if (file.includes('\\')) return 'holds a backslash';
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file)) return 'is absolute';
  const segments = file.split('/');
  if (segments.includes('')) return 'has an empty part (// or a trailing /)';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a . or .. part';
  return undefined;
}

/**
 * Why a --revision is not a branch, tag or commit name, or undefined. Git's own rules
 * (git check-ref-format): no "..", "@{", space, control character or any of ~^:?*[\, no part that
 * starts with "." or ends with ".lock", no empty part, no trailing ".". Slashes are kept: the Hub's
 * pull-request refs are named refs/pr/N, and huggingface_hub stores them as refs/refs/pr/N.
 */
export function revisionProblem(revision: string): string | undefined {
  if (revision === '' || revision === '@') return 'is empty or @';
  if (revision.length > 255) return 'is longer than 255 characters';
  if (hasControlCharacters(revision) || /[ ~^:?*[\\]/.test(revision)) return 'holds a space, a control character or one of ~^:?*[\\';
  if (revision.includes('..') || revision.includes('@{')) return 'holds ".." or "@{"';
  if (revision.endsWith('.')) return 'ends with "."';
  const segments = revision.split('/');
  if (segments.includes('')) return 'has an empty part (a leading, trailing or double /)';
  if (segments.some((s) => s.startsWith('.') || s.endsWith('.lock'))) return 'has a part that starts with "." or ends with ".lock"';
  return undefined;
}

/** Whether `target` lies strictly inside `folder`, by their absolute paths (what huggingface_hub checks). */
export function isInside(folder: string, target: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(target));
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
