import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASET_URL_ENV } from '../src/util/settings.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';

const PART_MB = 25;
/**
 * A network namespace of its own has no network at all (as root, or through a user namespace);
 * where unshare is not permitted, downloads are pointed at a closed port instead.
 */
const unshare = [['-n'], ['-rn']].find((flags) => spawnSync('unshare', [...flags, 'true']).status === 0);

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('cultune bundle and unpack.sh', () => {
  it('packs cultune in checked parts that unpack into a fresh folder and run the demo with no network', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-bundle-'));
    const out = path.join(work, 'bundle');
    // --fast (gzip -1): xz -6 of the ~190 MB tree takes minutes on two busy cores.
    const made = runCli(['bundle', '--out', out, '--fast', '--part-mb', String(PART_MB)]);
    expect(made.code, made.stderr).toBe(0);
    const parts = fs.readdirSync(out).filter((name) => name.startsWith('cultune.tar.gz.part')).sort();
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(fs.statSync(path.join(out, part)).size).toBeLessThanOrEqual(PART_MB * 1e6);
    expect(fs.readFileSync(path.join(out, 'SHA256SUMS'), 'utf8')).toBe(parts.map((p) => `${sha256(path.join(out, p))}  ${p}\n`).join(''));

    const again = runCli(['bundle', '--out', out, '--fast']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^cultune: .* already exists and is not an empty folder: choose a new --out\n$/);

    const dest = path.join(work, 'unpacked');
    const unpacked = spawnSync('sh', [path.join(out, 'unpack.sh'), out, dest], { encoding: 'utf8' });
    expect(unpacked.status, unpacked.stderr).toBe(0);
    // Without the CUDA provider there is nothing to find for LD_LIBRARY_PATH.
    expect(unpacked.stdout).toBe(`export PATH='${dest}':"$PATH"\n`);
    expect(sha256(path.join(dest, 'node'))).toBe(sha256(process.execPath));
    const app = path.join(dest, 'app');
    expect(fs.readdirSync(path.join(app, 'node_modules/onnxruntime-node/bin/napi-v6'))).toEqual(['linux']);
    expect(fs.readdirSync(path.join(app, 'node_modules/onnxruntime-node/bin/napi-v6/linux'))).toEqual(['x64']);
    for (const devOnly of ['vitest', 'typescript']) expect(fs.existsSync(path.join(app, 'node_modules', devOnly)), devOnly).toBe(false);
    expect(fs.existsSync(path.join(app, 'test'))).toBe(false);

    // The unpacked copy, run by its own node from its own folder, with no network.
    const env = { HOME: path.join(work, 'home'), CULTUNE_CACHE: path.join(work, 'cache'), PATH: `${dest}:/usr/bin:/bin`, ...(unshare ? {} : { [DATASET_URL_ENV.culturalbench]: 'http://127.0.0.1:9' }) };
    const offline = (args: string[], input?: string) => {
      const [command, ...rest] = unshare ? ['unshare', ...unshare, path.join(dest, 'cultune'), ...args] : [path.join(dest, 'cultune'), ...args];
      return spawnSync(command, rest, { cwd: work, env, input, encoding: 'utf8', timeout: 300_000 });
    };
    const demo = offline(['demo', '--out', 'demo']);
    expect(demo.status, demo.stderr).toBe(0);
    // Offline and with nothing cached, the demo reads the CulturalBench copy the bundle carries.
    expect(demo.stderr).toMatch(/^CulturalBench: the copy shipped with cultune \(Easy [\d,]+ questions, Hard slice of \d+\); none in the cache: .*cannot download/m);
    expect(JSON.parse(fs.readFileSync(path.join(work, 'demo/report/report.json'), 'utf8')).rows).toHaveLength(3);

    // The same numbers as the working copy it was made from.
    const input = `${JSON.stringify({ id: 'a', prompt: 'Hello there', options: [' yes', ' no', ' maybe'] })}\n`;
    const model = path.join(FIXTURES, 'llama-f32');
    const there = offline(['score', '--model', model, '--input', '-', '--device', 'cpu'], input);
    expect(there.status, there.stderr).toBe(0);
    expect(there.stdout).toBe(runCli(['score', '--model', model, '--input', '-', '--device', 'cpu'], { input }).stdout);

    // A damaged part is caught before anything is unpacked.
    const last = path.join(out, parts.at(-1)!);
    const bytes = fs.readFileSync(last);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(last, bytes);
    const damaged = spawnSync('sh', [path.join(out, 'unpack.sh'), out, path.join(work, 'again')], { encoding: 'utf8' });
    expect(damaged.status).toBe(1);
    expect(damaged.stderr).toMatch(/a part is missing or damaged/);
    expect(damaged.stdout).toBe('');
    expect(fs.existsSync(path.join(work, 'again', 'app'))).toBe(false);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
