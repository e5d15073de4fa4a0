import fs from 'node:fs';
import path from 'node:path';
import { fileSystemError } from './fs-errors.ts';

/** File content: text (UTF-8), bytes, or chunks of bytes written one after the other (a Buffer cannot exceed 4 GiB). */
export type FileData = string | Uint8Array | readonly Uint8Array[];

export interface WriteOptions {
  /** Advice in the error line when the write fails, instead of "choose another location". */
  remedy?: string;
}

/**
 * Creates a folder and its parents. Returns the first folder it created (undefined when all existed),
 * so a caller that fails later can take back what it made. A failure is one line naming the folder.
 */
export function makeFolder(dir: string, options: WriteOptions = {}): string | undefined {
  try {
    return fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw fileSystemError(error, dir, 'create the folder', options.remedy);
  }
}

/** Removes the empty folders from `dir` up to `firstCreated` (what makeFolder made), leaving anything not empty. */
export function removeCreatedFolders(dir: string, firstCreated: string | undefined): void {
  if (firstCreated === undefined) return;
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      fs.rmdirSync(current);
    } catch {
      return;
    }
    if (current === path.resolve(firstCreated)) return;
  }
}

/** One write(2) moves at most about 2 GiB, and may move less: loop until the chunk is out. */
function writeFully(fd: number, chunk: Uint8Array): void {
  for (let offset = 0; offset < chunk.length; ) offset += fs.writeSync(fd, chunk, offset, chunk.length - offset);
}

/** Writes `data` to a flushed temporary file beside `target` and returns its path; on failure nothing is left. */
function stage(target: string, data: FileData): string {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const fd = fs.openSync(temp, 'w');
  try {
    for (const chunk of chunks) writeFully(fd, chunk);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  return temp;
}

/**
 * Writes several files so that readers see all of the old contents or all of the new ones, never a
 * mix or a partial file: every file's data goes to a flushed temporary file beside it first (a full
 * disk or a read-only folder fails here, before anything is replaced), then each is renamed over its
 * target in the order given (so the file that marks completeness goes last). Folders it had to create
 * are removed again when it fails. A failure is one line naming the target.
 */
export function writeFilesAtomic(files: readonly (readonly [target: string, data: FileData])[], options: WriteOptions = {}): void {
  const created: [dir: string, first: string | undefined][] = [];
  const staged: string[] = [];
  let current = files[0]?.[0] ?? '.';
  try {
    for (const [target, data] of files) {
      current = target;
      created.push([path.dirname(target), fs.mkdirSync(path.dirname(target), { recursive: true })]);
      staged.push(stage(target, data));
    }
    files.forEach(([target], i) => {
      current = target;
      fs.renameSync(staged[i], target);
    });
  } catch (error) {
    for (const temp of staged) fs.rmSync(temp, { force: true });
    for (const [dir, first] of [...created].reverse()) removeCreatedFolders(dir, first);
    throw fileSystemError(error, current, 'write', options.remedy);
  }
}

/** Writes one file atomically (see writeFilesAtomic). */
export function writeFileAtomic(target: string, data: FileData, options: WriteOptions = {}): void {
  writeFilesAtomic([[target, data]], options);
}

export function writeJsonAtomic(target: string, value: unknown, options: WriteOptions = {}): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Checks, before any long computation, that `target` (a file or a folder to be written) could be
 * written: an existing target is of the right kind, and the folder it goes in (or its nearest existing
 * ancestor) takes a new file. Creates nothing that stays; a problem is one line, as a failed write's.
 */
export function checkWritable(target: string, kind: 'file' | 'folder'): void {
  const absolute = path.resolve(target);
  let probeDir = kind === 'folder' ? absolute : path.dirname(absolute);
  let existingFolder = false;
  try {
    const stats = fs.statSync(absolute, { throwIfNoEntry: false });
    existingFolder = stats?.isDirectory() ?? false;
    if (stats && kind === 'file' && stats.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (stats && kind === 'folder' && !stats.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    while (!fs.existsSync(probeDir)) probeDir = path.dirname(probeDir);
    if (!fs.statSync(probeDir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    const probe = path.join(probeDir, `.cultune-probe.${process.pid}.${Date.now()}.tmp`);
    fs.closeSync(fs.openSync(probe, 'wx'));
    fs.rmSync(probe);
  } catch (error) {
    throw fileSystemError(error, target, kind === 'file' ? 'write' : existingFolder ? 'write into' : 'create the folder');
  }
}
