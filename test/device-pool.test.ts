import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANDIDATES_PER_GROUP, loadModel, loadOnDevices, parseDevices, type LlamaModel, type LoadedModel, type SoftPrompt } from '../src/model/index.ts';
import { gpuIndex } from '../src/model/device.ts';
import { Rng } from '../src/util/seeded-random.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';

const modelDir = path.join(FIXTURES, 'llama-f32');
const cacheDir = path.join(FIXTURES, '.prepared');

describe('--device values', () => {
  it('accepts one device or a list of one kind, repeats included', () => {
    expect(parseDevices('auto')).toEqual(['auto']);
    expect(parseDevices('webgpu')).toEqual(['webgpu']);
    expect(parseDevices('cuda:0,cuda:1')).toEqual(['cuda:0', 'cuda:1']);
    expect(parseDevices('cuda:0, cuda:0')).toEqual(['cuda:0', 'cuda:0']);
    expect(parseDevices('cpu,cpu')).toEqual(['cpu', 'cpu']);
  });

  it('refuses unknown devices, auto in a list and mixed kinds, in one line each', () => {
    expect(() => parseDevices('gpu')).toThrow(/^unknown device "gpu"/);
    expect(() => parseDevices('cuda:x')).toThrow(/unknown device "cuda:x"/);
    expect(() => parseDevices('auto,cpu')).toThrow(/"auto" cannot be part of a device list/);
    expect(() => parseDevices('cpu,cuda:0')).toThrow(/one kind of device/);
    expect(() => parseDevices('webgpu,cuda')).toThrow(/one kind of device/);
  });

  it('reads the GPU index from the device or provider name: N of cuda:N, else the first GPU', () => {
    for (const n of [0, 1, 7, 12]) expect(gpuIndex(`cuda:${n}`)).toBe(n);
    for (const name of ['cuda', 'auto', 'webgpu']) expect(gpuIndex(name)).toBe(0);
  });
});

/** Soft prompts of the model's width, seeded, scaled like embedding rows. */
function prompts(count: number, k: number, hidden: number): SoftPrompt[] {
  const rng = Rng.fromSeed('pool-prompts');
  return Array.from({ length: count }, () => ({ k, hidden, data: Float32Array.from({ length: k * hidden }, () => (rng.uniform() - 0.5) * 0.2) }));
}

describe('a population split across sessions (cpu,cpu)', () => {
  let single: LlamaModel;
  let pool: LoadedModel;
  beforeAll(async () => {
    single = await loadModel(modelDir, { device: 'cpu', cacheDir, threads: 1 });
    pool = await loadOnDevices(modelDir, { device: 'cpu,cpu', cacheDir, threads: 1 });
  });
  afterAll(async () => {
    await single?.dispose();
    await pool?.dispose();
  });

  it('gives bit for bit what one session gives scoring the same groups in turn', async () => {
    expect(pool.sessions).toBe(2);
    expect(pool.provider).toBe('cpu,cpu');
    const requests = [
      { ids: [1, 450, 4996, 17354], options: [[319], [350], [315]] },
      { ids: [1, 450, 4996, 10924, 1701], options: [[29871, 29896], [29871, 29906]] },
      { ids: [1, 306], options: [[263]] },
    ];
    // 2.5 groups: the primary session takes groups 0 and 2, the worker thread group 1.
    const population = [...prompts(2 * CANDIDATES_PER_GROUP + 3, 3, pool.hidden), undefined];
    const split = await pool.scoreCandidates(requests, population);
    const reference: number[][][] = [];
    for (let first = 0; first < population.length; first += CANDIDATES_PER_GROUP) {
      reference.push(...(await single.scoreCandidates(requests, population.slice(first, first + CANDIDATES_PER_GROUP))));
    }
    expect(split).toEqual(reference);
    // Different prompts give different numbers: the comparison above could fail.
    expect(split[0]).not.toEqual(split[CANDIDATES_PER_GROUP]);
  });
});

describe('cultune train --device cpu,cpu', () => {
  it('ends exactly where the same run on one CPU session ends', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-devices-'));
    const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
    const train = (device: string, name: string) =>
      runCli([
        'train', '--model', modelDir, '--country', 'JP', '--device', device, '--threads', '1', '--k', '2', '--dim', '16',
        '--pop', String(2 * CANDIDATES_PER_GROUP), '--budget', String(4 * CANDIDATES_PER_GROUP), '--variants', '1', '--seed', '5', '--out', work, '--name', name,
      ], { env });
    const one = train('cpu', 'one');
    expect(one.stderr).toMatch(/on cpu, tree plan \(float32/);
    expect(one.code).toBe(0);
    const two = train('cpu,cpu', 'two');
    expect(two.stderr).toMatch(/on cpu,cpu, tree plan \(float32/);
    expect(two.code).toBe(0);
    const read = (name: string, file: string) => fs.readFileSync(path.join(work, name, file), 'utf8');
    const [a, b] = [JSON.parse(read('one', 'result.json')), JSON.parse(read('two', 'result.json'))];
    expect(b.best).toEqual(a.best);
    expect(b.history.map((h: { medianLoss: number }) => h.medianLoss)).toEqual(a.history.map((h: { medianLoss: number }) => h.medianLoss));
    expect(read('two', 'prompt.json')).toBe(read('one', 'prompt.json'));
    fs.rmSync(work, { recursive: true, force: true });
  });
});
