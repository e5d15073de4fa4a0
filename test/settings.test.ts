import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../src/util/settings.ts';

const SRC = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('one settings object', () => {
  it('is the only reader of process.env in src; the native libraries\' two switches are the only writes', () => {
    const uses = sourceFiles(SRC).flatMap((file) =>
      fs.readFileSync(file, 'utf8').split('\n').flatMap((line, i) => (line.includes('process.env') && !/^\s*(\/\/|\*)/.test(line) ? [{ file: path.relative(SRC, file), line: i + 1, text: line.trim() }] : [])),
    );
    const elsewhere = uses.filter((use) => use.file !== path.join('util', 'settings.ts'));
    // model/session.ts writes the variables onnxruntime and CUDA read natively (no API takes them): assignments only.
    expect(elsewhere.filter((use) => !(use.file === path.join('model', 'session.ts') && /^(if \(.*\) )?process\.env\.[A-Z0-9_]+ (\?\?)?= '[^']*';$/.test(use.text)))).toEqual([]);
    expect(uses.some((use) => use.file === path.join('util', 'settings.ts'))).toBe(true);
  });

  it('reads each variable as documented', () => {
    const home = path.join(os.homedir(), '.cache');
    const none = readSettings({});
    expect(none.cacheRoot).toBe(path.join(home, 'cultune'));
    expect(none.hub).toEqual({ endpoint: undefined, token: undefined, timeoutMs: undefined, offline: false, cacheDir: path.join(home, 'huggingface', 'hub') });
    expect(none.datasetUrls).toEqual({ culturalbench: undefined, globalopinionqa: undefined });

    const xdg = readSettings({ XDG_CACHE_HOME: '/x', HF_HOME: '/hf' });
    expect([xdg.cacheRoot, xdg.hub.cacheDir]).toEqual([path.join('/x', 'cultune'), path.join('/hf', 'hub')]);
    const given = readSettings({
      CULTUNE_CACHE: '/c', HF_HUB_CACHE: '/h', HF_ENDPOINT: ' http://mirror/ ', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: 'Yes', CULTUNE_HUB_TIMEOUT_MS: '5',
      CULTUNE_CULTURALBENCH_URL: 'http://cb', CULTUNE_GLOBALOPINIONQA_URL: 'http://goqa', CULTUNE_REDIS_PASSWORD: 'pw', CULTUNE_PROPOSER_KEY: 'k', CULTUNE_DEBUG: '1', CUDA_VISIBLE_DEVICES: '0',
    });
    expect(given).toEqual({
      hub: { endpoint: 'http://mirror/', token: 'hf_x', timeoutMs: '5', offline: true, cacheDir: '/h' },
      cacheRoot: '/c',
      datasetUrls: { culturalbench: 'http://cb', globalopinionqa: 'http://goqa' },
      redisPassword: 'pw',
      proposerKey: 'k',
      debug: true,
      reported: { CULTUNE_CACHE: '/c', CUDA_VISIBLE_DEVICES: '0' },
    });
  });
});
