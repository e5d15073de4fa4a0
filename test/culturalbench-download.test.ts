import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCulturalBench, tryLoadCulturalBench } from '../src/culturalbench/index.ts';
import { CULTURALBENCH_DATA } from './helpers/paths.ts';
import { readSettings } from '../src/util/settings.ts';

const easyBytes = fs.readFileSync(path.join(CULTURALBENCH_DATA, 'CulturalBench-Easy.csv'));
const hardBytes = fs.readFileSync(path.join(CULTURALBENCH_DATA, 'CulturalBench-Hard.csv'));

/** Serves the repository's copies under their Hub names at /good, a corrupted Easy at /corrupt, a truncated Hard at /truncated. */
const routes: Record<string, Buffer> = {
  '/good/CulturalBench-Easy.csv': easyBytes,
  '/good/CulturalBench-Hard.csv': hardBytes,
  '/corrupt/CulturalBench-Easy.csv': Buffer.concat([easyBytes, Buffer.from('\n')]),
  '/corrupt/CulturalBench-Hard.csv': hardBytes,
  '/truncated/CulturalBench-Easy.csv': easyBytes,
  '/truncated/CulturalBench-Hard.csv': hardBytes.subarray(0, 1000),
};
let requests: string[] = [];
let server: http.Server;
let baseUrl: string;
let cacheDir: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = routes[req.url ?? ''];
    res.writeHead(body ? 200 : 404).end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = [];
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-cb-'));
});
afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

describe('CulturalBench download cache', () => {
  it('downloads once, then reads the cache', async () => {
    const first = await loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/good` });
    expect(first.files.map((f) => f.origin)).toEqual(['download', 'download']);
    expect(requests).toEqual(['/good/CulturalBench-Easy.csv', '/good/CulturalBench-Hard.csv']);
    expect(fs.readdirSync(cacheDir).sort()).toEqual(['CulturalBench-Easy.csv', 'CulturalBench-Hard.csv', 'CulturalBench-Hard.csv.sha256']);
    // Hard has no pinned hash: the first download's hash is recorded and later reads are held to it.
    expect(fs.readFileSync(path.join(cacheDir, 'CulturalBench-Hard.csv.sha256'), 'utf8').trim()).toBe(first.files[1].sha256);

    const second = await loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/good` });
    expect(requests).toHaveLength(2);
    expect(second.files.map((f) => f.origin)).toEqual(['cache', 'cache']);
    // 1227 rows, of which two questions repeat an option (set aside).
    expect(second.easy.length + second.setAside.length).toBe(1227);
    expect(second.setAside.map((s) => s.id)).toEqual(['314', '671']);
  });

  it('refuses a download whose checksum is wrong and caches nothing', async () => {
    await expect(loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/corrupt` })).rejects.toThrow(
      /checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/corrupt\/CulturalBench-Easy\.csv: got sha256 [0-9a-f]{64}, expected d37576ca/,
    );
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  it('refuses a truncated download of a file without a pinned hash, naming its line', async () => {
    await expect(loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/truncated` })).rejects.toThrow(
      /\/truncated\/CulturalBench-Hard\.csv: line \d+: /,
    );
    expect(fs.readdirSync(cacheDir)).toEqual(['CulturalBench-Easy.csv']);
  });

  it('reports a server 404 clearly', async () => {
    await expect(loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/elsewhere` })).rejects.toThrow(
      /cannot download http:\/\/127\.0\.0\.1:\d+\/elsewhere\/CulturalBench-Easy\.csv: HTTP 404/,
    );
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  it('downloads a cached file again when it changed after its hash was recorded; offline, says so in one line', async () => {
    await loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/good` });
    const cached = path.join(cacheDir, 'CulturalBench-Hard.csv');
    fs.appendFileSync(cached, 'damage\n');
    await expect(loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/good`, download: false })).rejects.toThrow(
      /^cached .*CulturalBench-Hard\.csv is damaged \(sha256 [0-9a-f]{12}\.\.\., expected [0-9a-f]{12}\.\.\.\); allow downloads/,
    );
    requests = [];
    const repaired = await loadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/good` });
    expect(requests).toEqual(['/good/CulturalBench-Hard.csv']);
    expect(repaired.files.map((f) => f.origin)).toEqual(['cache', 'download']);
    expect(fs.readFileSync(cached).equals(hardBytes)).toBe(true);
  });

  it('offline with no cache: unavailable, with one line saying why', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await tryLoadCulturalBench(readSettings(), { cacheDir, baseUrl: deadUrl });
    expect(result.available).toBe(false);
    if (result.available) return;
    expect(result.reason).not.toContain('\n');
    expect(result.reason).toMatch(/^CulturalBench unavailable \(no usable copy in .*, no --culturalbench-data DIR\): cannot download .*ECONNREFUSED[^;]*; offline\? pass --culturalbench-data with a local copy, or set HF_ENDPOINT to a reachable Hub mirror$/);
    // The advice names the flag of the command at hand (train --objectives takes --culturalbench-data).
    const forTrain = await tryLoadCulturalBench(readSettings(), { cacheDir, baseUrl: deadUrl, localFlag: '--culturalbench-data' });
    expect(forTrain.available ? '' : forTrain.reason).toMatch(/no --culturalbench-data DIR\): .*; offline\? pass --culturalbench-data with a local copy, or set HF_ENDPOINT/);
  });

  it('never touches the network when downloads are off', async () => {
    const result = await tryLoadCulturalBench(readSettings(), { cacheDir, baseUrl: `${baseUrl}/good`, download: false });
    expect(result).toMatchObject({ available: false });
    expect(requests).toEqual([]);
  });

  it('takes the cache folder from CULTUNE_CACHE and the URL from CULTUNE_CULTURALBENCH_URL', async () => {
    const saved = { cache: process.env.CULTUNE_CACHE, url: process.env.CULTUNE_CULTURALBENCH_URL };
    process.env.CULTUNE_CACHE = cacheDir;
    process.env.CULTUNE_CULTURALBENCH_URL = `${baseUrl}/good`;
    try {
      const data = await loadCulturalBench(readSettings());
      expect(data.files[0].path).toBe(path.join(cacheDir, 'culturalbench', 'CulturalBench-Easy.csv'));
    } finally {
      for (const [key, value] of [['CULTUNE_CACHE', saved.cache], ['CULTUNE_CULTURALBENCH_URL', saved.url]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
