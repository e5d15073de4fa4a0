import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/util/atomic.ts';

describe('writeFileAtomic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-atomic-'));

  it('writes chunks one after the other', () => {
    const target = path.join(dir, 'chunks.bin');
    writeFileAtomic(target, [Uint8Array.of(1, 2), new Uint8Array(0), Buffer.from('abc')]);
    expect([...fs.readFileSync(target)]).toEqual([1, 2, 97, 98, 99]);
  });

  it('leaves the old file and no temporary file when a write fails', () => {
    const target = path.join(dir, 'kept.txt');
    writeFileAtomic(target, 'old');
    const broken = [Buffer.from('new'), { length: 3 } as unknown as Uint8Array];
    expect(() => writeFileAtomic(target, broken)).toThrow();
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
