import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** Fresh temporary folders for a suite's tests, removed after each test. */
export function tempDirs(label: string): () => string {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cultune-${label}-`));
    dirs.push(dir);
    return dir;
  };
}
