import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.ts';
import { displayPath } from './display-path.ts';

/** What an errno means to someone who asked cultune to read or write a path, and what to do about it. */
const EXPLAINED: Record<string, { problem: string; remedy?: string }> = {
  EROFS: { problem: 'read-only file system' },
  EACCES: { problem: 'permission denied', remedy: 'change its permissions or choose another location' },
  EPERM: { problem: 'operation not permitted', remedy: 'change its permissions or choose another location' },
  ENOSPC: { problem: 'no space left on the device', remedy: 'free some space or choose another disk' },
  EDQUOT: { problem: 'disk quota exceeded', remedy: 'free some space or choose another disk' },
  EFBIG: { problem: 'file too large for the file system or the process limit (ulimit -f)', remedy: 'choose another disk or raise the limit' },
  ENOTDIR: { problem: 'a part of the path is a file, not a folder' },
  EEXIST: { problem: 'exists and is not a folder' },
  EISDIR: { problem: 'is a folder, not a file', remedy: 'give a file name' },
  ENOENT: { problem: 'no such file or folder' },
  ENAMETOOLONG: { problem: 'name too long', remedy: 'choose a shorter path' },
  ELOOP: { problem: 'too many symbolic links', remedy: 'resolve the link loop' },
  EIO: { problem: 'input/output error', remedy: 'check the disk' },
  EMFILE: { problem: 'too many open files', remedy: 'raise the limit (ulimit -n)' },
  ENFILE: { problem: 'too many open files in the system', remedy: 'close other programs and retry' },
  EBUSY: { problem: 'resource busy', remedy: 'retry when the other program is done' },
};

/** The first existing path from `start` upwards that is not a folder, for ENOTDIR and EEXIST: the file in the way. */
function fileInTheWay(start: string): string | undefined {
  for (let dir = path.resolve(start); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      if (!fs.statSync(dir).isDirectory()) return dir;
    } catch {
      // not there (yet): look further up
    }
  }
  return undefined;
}

/**
 * Node's recursive mkdir reports ENOENT when the folder cannot be made on a read-only file system:
 * the nearest existing ancestor tells the real reason (EROFS, EACCES), or undefined when it is writable.
 */
function missingFolderCause(file: string): string | undefined {
  let dir = path.dirname(path.resolve(file));
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

/**
 * One line for a failed file-system call on `file` (the path the user named, not a temporary file
 * beside it): which path, what is wrong, what to do. Errors without an errno pass through unchanged.
 * `remedy` replaces the default advice (e.g. "set CULTUNE_CACHE" for the cache).
 */
export function fileSystemError(error: unknown, file: string, doing: 'read' | 'write' | 'write into' | 'create the folder', remedy?: string): unknown {
  let code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof UserError || typeof code !== 'string') return error;
  if (code === 'ENOENT' && doing !== 'read') code = missingFolderCause(file) ?? code;
  const known = EXPLAINED[code];
  let problem = known?.problem ?? code;
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    const blocker = fileInTheWay(doing === 'create the folder' ? file : path.dirname(file));
    if (blocker) problem = `${displayPath(blocker)} is a file, not a folder`;
  }
  const advice = remedy ?? known?.remedy ?? (doing === 'read' ? 'check the path' : 'choose another location');
  return new UserError(`cannot ${doing} ${displayPath(file)}: ${problem}; ${advice}`);
}
