import fs from 'node:fs';
import path from 'node:path';
import { makeFolder, removeCreatedFolders } from './atomic.ts';
import { UserError } from './errors.ts';
import { fileSystemError } from './fs-errors.ts';
import { notice } from './notices.ts';

export const LOCK_FILE = '.lock';

/** A lock's content: the holder's pid and start time (clock ticks after boot, /proc/PID/stat field 22; null where unknown). */
interface Holder {
  pid: number;
  start: string | null;
}

/** State (field 3) and start time (field 22) of /proc/PID/stat; undefined when the process or /proc is absent. */
function processStat(pid: number): { state: string; start: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2, the command name, is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: fields[19] };
}

const HAS_PROC = fs.existsSync('/proc/self/stat');

/**
 * Whether the lock's holder still runs. kill(pid, 0) alone is not enough: it succeeds on a zombie (a
 * run killed with -9 stays one until its parent reaps it, late in many containers), and on an
 * unrelated process that was given the same pid since. Where /proc exists, a zombie counts as dead and
 * the start time must match.
 */
function holderAlive(holder: Holder, self: Holder): boolean {
  if (holder.pid === self.pid) return holder.start !== null && holder.start === self.start;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!HAS_PROC) return true;
  const stat = processStat(holder.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return holder.start === null || holder.start === stat.start;
}

/** The holder a lock's text names: `{"pid", "start"}`, or a bare pid as earlier versions wrote; undefined when damaged. */
function parseLock(text: string): Holder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Number.isSafeInteger(value) && (value as number) > 0) return { pid: value as number, start: null };
  const { pid, start } = (value ?? {}) as Partial<Holder>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0 || !(start === null || typeof start === 'string')) return undefined;
  return { pid: pid as number, start };
}

/**
 * Creates the lock file with its full content in one step: the content goes to a temporary file that is
 * then hard-linked to the lock's name (link fails if the name exists). So no reader ever sees an empty
 * or half-written lock, even when the disk fills up while taking it. False when another lock exists.
 */
function tryCreate(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(temp, content, { flag: 'wx', flush: true });
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: an exclusive create, written at once (a reader that sees it
    // empty in between takes it for damaged, which is the lesser risk than never locking there).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') return tryCreateExclusive(file, content);
    throw fileSystemError(error, file, 'write');
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function tryCreateExclusive(file: string, content: string): boolean {
  try {
    fs.writeFileSync(file, content, { flag: 'wx', flush: true });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileSystemError(error, file, 'write');
  }
}

/** The lock's text, or undefined when it vanished meanwhile; an unreadable lock reads as '' (damaged). */
function readLock(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '';
  }
}

/**
 * Removes a stale lock whose text was `seen`. It is first renamed aside (only one of two runs taking
 * over the same stale lock can do that); if what was moved is not the stale lock but a run's fresh
 * one, it is put back.
 */
function removeStale(file: string, seen: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  if (readLock(aside) !== seen) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // a third run took the lock meanwhile: that lock stands
    }
  }
  fs.rmSync(aside, { force: true });
}

export interface Lock {
  /** Removes the lock, only while it is still this run's. */
  release(): void;
  /** The first folder taking the lock created (undefined when the folder existed), for a caller that fails to take it back. */
  createdFolder?: string;
}

/**
 * Takes `<dir>/.lock` so that two runs never write the same folder. A lock whose holder is gone
 * (killed with -9, a zombie, or its pid reused by another process) is taken over; a damaged one
 * (empty, truncated, unreadable) is taken over with a notice. When the lock cannot be taken, the
 * folders made for it are removed again.
 */
export function acquireLock(dir: string): Lock {
  const createdFolder = makeFolder(dir);
  try {
    const busy = (pid: number) => `${dir} is in use by another cultune run (pid ${pid}); wait for it or use another --out`;
    return { release: takeLock(path.join(dir, LOCK_FILE), busy, dir), createdFolder };
  } catch (error) {
    removeCreatedFolders(dir, createdFolder);
    throw error;
  }
}

/**
 * Takes the lock file `file` for work other than a run (a download into a shared cache); `busy` says,
 * for the holder's pid, what the user should do. Returns the release function.
 */
export function acquireLockFile(file: string, busy: (pid: number) => string): () => void {
  makeFolder(path.dirname(file));
  return takeLock(file, busy, file);
}

function takeLock(file: string, busy: (pid: number) => string, what: string): () => void {
  const self: Holder = { pid: process.pid, start: processStat(process.pid)?.start ?? null };
  const mine = JSON.stringify(self);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, mine)) return () => (readLock(file) === mine ? fs.rmSync(file, { force: true }) : undefined);
    const text = readLock(file);
    if (text === undefined) continue;
    const holder = parseLock(text);
    if (!holder) notice(`the lock ${file} is damaged (${text.trim() === '' ? 'empty or unreadable' : 'not a cultune lock'}); taking it over`);
    else if (holderAlive(holder, self)) throw new UserError(busy(holder.pid));
    removeStale(file, text);
  }
  throw new UserError(`cannot lock ${what}: other cultune processes keep taking the lock; retry when they are done`);
}
