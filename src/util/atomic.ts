import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a file so that readers see either the old content or the new one, never a partial file:
 * the data goes to a temporary file in the same folder, is flushed, then renamed over the target.
 * Data given as chunks is written one after the other (a single Buffer cannot exceed 4 GiB).
 */
export function writeFileAtomic(target: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
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
  fs.renameSync(temp, target);
}

/** One write(2) moves at most about 2 GiB, and may move less: loop until the chunk is out. */
function writeFully(fd: number, chunk: Uint8Array): void {
  for (let offset = 0; offset < chunk.length; ) offset += fs.writeSync(fd, chunk, offset, chunk.length - offset);
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}
