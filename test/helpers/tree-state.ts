import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Every path under `dir` with the SHA-256 of its content ('dir' for folders): what a failed command must leave alone. */
export function treeState(dir: string): Record<string, string> {
  const state: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const key = path.relative(dir, full);
      if (entry.isDirectory()) {
        state[key] = 'dir';
        walk(full);
      } else {
        state[key] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
      }
    }
  };
  walk(dir);
  return state;
}
