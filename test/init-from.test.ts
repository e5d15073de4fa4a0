import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { killAfterGenerations } from './helpers/kill.ts';
import { FIXTURES } from './helpers/paths.ts';
import { tempDirs } from './helpers/temp-dirs.ts';

const modelDir = path.join(FIXTURES, 'llama-f32');
const HIDDEN = 64;
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
const temp = tempDirs('init-from');
const trainArgs = (out: string, name: string, seed: number) => [
  'train', '--model', modelDir, '--country', 'JP', '--device', 'cpu', '--k', '2', '--space', 'subspace', '--dim', '16',
  '--pop', '6', '--budget', '24', '--variants', '1', '--seed', String(seed), '--out', out, '--name', name, '--json',
];
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** A PEFT adapter_model.safetensors written from the format's definition: u64 header length, JSON header, little-endian F32. */
function writeAdapter(dir: string, k: number, hidden: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const header = Buffer.from(JSON.stringify({ prompt_embeddings: { dtype: 'F32', shape: [k, hidden], data_offsets: [0, 4 * k * hidden] } }));
  const out = Buffer.alloc(8 + header.length + 4 * k * hidden);
  out.writeBigUInt64LE(BigInt(header.length), 0);
  header.copy(out, 8);
  for (let n = 0; n < k * hidden; n++) out.writeFloatLE(Math.cos(n) * 0.01, 8 + header.length + 4 * n);
  fs.writeFileSync(path.join(dir, 'adapter_model.safetensors'), out);
}

describe('train --init-from', () => {
  it('starts at an exported prompt, records it by hash, and resumes after a kill exactly', async () => {
    const work = temp();
    expect(runCli(trainArgs(work, 'first', 3), { env }).code).toBe(0);
    const exported = runCli(['export', path.join(work, 'first'), '--format', 'peft', '--out', path.join(work, 'peft')], { env });
    expect(exported.code).toBe(0);
    const adapter = path.join(work, 'peft', 'adapter_model.safetensors');
    const from = ['--init-from', path.join(work, 'peft')];

    const whole = runCli([...trainArgs(work, 'whole', 4), ...from], { env });
    expect(whole.code).toBe(0);
    const run = readJson(path.join(work, 'whole', 'run.json'));
    const sha256 = createHash('sha256').update(fs.readFileSync(adapter)).digest('hex');
    expect(run.softPrompt).toEqual({ k: 2, init: 'from', from: { path: adapter, sha256 }, placement: 'start' });
    // Member 0 of the first generation is z = 0, the loaded prompt itself: scored as the first run scored
    // its best, so the first generation can do no worse than where the first run ended.
    const firstBest = readJson(path.join(work, 'first', 'result.json')).best.loss.value;
    const [generation1] = readJson(path.join(work, 'whole', 'result.json')).history;
    expect(generation1.bestLoss).toBeLessThanOrEqual(firstBest);

    await killAfterGenerations([...trainArgs(work, 'killed', 4), ...from], env, 2);
    expect(fs.existsSync(path.join(work, 'killed', 'result.json'))).toBe(false);
    const resumed = runCli([...trainArgs(work, 'killed', 4), ...from, '--resume'], { env });
    expect(resumed.code).toBe(0);
    expect(readJson(path.join(work, 'killed', 'result.json')).best).toEqual(readJson(path.join(work, 'whole', 'result.json')).best);
    expect(fs.readFileSync(path.join(work, 'killed', 'prompt.json'), 'utf8')).toBe(fs.readFileSync(path.join(work, 'whole', 'prompt.json'), 'utf8'));

    // A source changed since the run began is refused on resume, in one line.
    const bytes = fs.readFileSync(adapter);
    bytes[bytes.length - 1] ^= 1;
    fs.writeFileSync(adapter, bytes);
    const changed = runCli([...trainArgs(work, 'whole', 4), ...from, '--resume', '--extend-budget', '--budget', '30'], { env });
    expect(changed.code).not.toBe(0);
    expect(changed.stderr.trim().split('\n')).toHaveLength(1);
    expect(changed.stderr).toMatch(/sha256/);
  }, 120_000);

  it('starts the subspace exactly at the loaded prompt (z = 0)', async () => {
    const work = temp();
    writeAdapter(path.join(work, 'adapter'), 2, HIDDEN);
    const { buildSearchSpace } = await import('../src/train/search-space.ts');
    const { initSourceOf } = await import('../src/train/init-from.ts');
    const table = { vocab: 3, hidden: HIDDEN, data: Float32Array.from({ length: 3 * HIDDEN }, (_, i) => Math.sin(i)) };
    const prompt = { k: 2, init: 'from' as const, from: initSourceOf(path.join(work, 'adapter'), 2), placement: 'start' as const };
    const space = buildSearchSpace(table, prompt, { space: 'subspace', dim: 8, strategy: 'shade', pop: 4, budget: 8, seed: 1 }, []);
    const expected = Float32Array.from({ length: 2 * HIDDEN }, (_, n) => Math.fround(Math.cos(n) * 0.01));
    expect(Array.from(space.toPrompt(space.initialPopulation[0]).data)).toEqual(Array.from(expected));
    const full = buildSearchSpace(table, prompt, { space: 'full', dim: 2 * HIDDEN, strategy: 'shade', pop: 4, budget: 8, seed: 1 }, []);
    expect(Array.from(full.initialPopulation[0])).toEqual(Array.from(expected));
  });

  it('refuses a prompt of another hidden size or k in one line naming both sizes and the flag', () => {
    const work = temp();
    writeAdapter(path.join(work, 'narrow'), 2, 32);
    const narrow = runCli([...trainArgs(work, 'narrow-run', 1), '--init-from', path.join(work, 'narrow')], { env });
    expect(narrow.code).not.toBe(0);
    expect(narrow.stderr.trim().split('\n'), narrow.stderr).toHaveLength(1);
    expect(narrow.stderr).toMatch(/hidden size 32 .*hidden size is 64: pass the --model/);
    expect(fs.existsSync(path.join(work, 'narrow-run'))).toBe(false);

    writeAdapter(path.join(work, 'three'), 3, HIDDEN);
    const wrongK = runCli([...trainArgs(work, 'k-run', 1), '--init-from', path.join(work, 'three')], { env });
    expect(wrongK.code).not.toBe(0);
    expect(wrongK.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrongK.stderr).toMatch(/holds 3 prompt vectors but --k is 2: pass --k 3/);
  });
});
