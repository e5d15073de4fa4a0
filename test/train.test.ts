import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { runCli } from './helpers/cli.ts';
import { killAfterGenerations } from './helpers/kill.ts';
import { FIXTURES, REPO } from './helpers/paths.ts';
import { decodeSafetensors } from '../src/embedding/index.ts';

const modelDir = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
const trainArgs = (out: string) => [
  'train', '--model', modelDir, '--country', 'JP', '--device', 'cpu', '--k', '2', '--dim', '16',
  '--pop', '6', '--budget', '30', '--variants', '1', '--seed', '3', '--out', out, '--name', 'run', '--json',
];

describe('cultune train / export', () => {
  it('killed with -9 and resumed, ends exactly as an uninterrupted run', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-train-'));
    const whole = runCli(trainArgs(path.join(work, 'a')), { env });
    expect(whole.stderr).toBe('');
    expect(whole.code).toBe(0);
    await killAfterGenerations(trainArgs(path.join(work, 'b')), env, 2);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(work, 'b/run/checkpoint.json'), 'utf8'));
    expect(checkpoint.generation).toBeGreaterThanOrEqual(2);
    expect(fs.existsSync(path.join(work, 'b/run/result.json'))).toBe(false);
    const again = runCli(trainArgs(path.join(work, 'b')), { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds a run; add --resume/);
    const resumed = runCli([...trainArgs(path.join(work, 'b')), '--resume'], { env });
    expect(resumed.code).toBe(0);
    const read = (dir: string, file: string) => fs.readFileSync(path.join(work, dir, 'run', file), 'utf8');
    const [a, b] = [JSON.parse(read('a', 'result.json')), JSON.parse(read('b', 'result.json'))];
    expect(b.best).toEqual(a.best);
    expect(b.history.map((h: { bestLoss: number; medianLoss: number }) => [h.bestLoss, h.medianLoss])).toEqual(
      a.history.map((h: { bestLoss: number; medianLoss: number }) => [h.bestLoss, h.medianLoss]),
    );
    expect(read('b', 'prompt.json')).toBe(read('a', 'prompt.json'));

    // PEFT export reads back: header, key, shape, dtype, values.
    const exported = runCli(['export', path.join(work, 'a/run'), '--format', 'peft', '--out', path.join(work, 'peft')], { env });
    expect(exported.code).toBe(0);
    const { tensors } = decodeSafetensors(fs.readFileSync(path.join(work, 'peft/adapter_model.safetensors')));
    expect(Object.keys(tensors)).toEqual(['prompt_embeddings']);
    expect(tensors.prompt_embeddings.shape).toEqual([2, 64]);
    expect(tensors.prompt_embeddings.dtype).toBe('F32');
    const prompt = JSON.parse(read('a', 'prompt.json'));
    expect(Array.from(tensors.prompt_embeddings.data)).toEqual(Array.from(Float32Array.from(prompt.data)));
    const config = JSON.parse(fs.readFileSync(path.join(work, 'peft/adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 2, token_dim: 64, num_layers: 2, num_attention_heads: 4 });
  });

  it('Ctrl-C before the first generation ends says nothing was saved, leaves no run behind, and the same command starts again', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-train-'));
    // A population large enough that its first generation outlasts the signal.
    const args = [...trainArgs(work), '--pop', '2000', '--budget', '2000'];
    const runJson = path.join(work, 'run', 'run.json');
    const child = spawn(process.execPath, [path.join(REPO, 'bin/cultune.js'), ...args], { env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!fs.existsSync(runJson)) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr.trim().split('\n')).toEqual(['cultune: interrupted before the first generation finished; nothing was saved: the same command starts the run again']);
    expect(fs.existsSync(runJson)).toBe(false);
    const again = runCli(trainArgs(work), { env });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  });

  it('a damaged checkpoint is one clear line', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-train-'));
    fs.mkdirSync(path.join(work, 'run'), { recursive: true });
    const shortRun = trainArgs(work).map((a) => (a === '30' ? '6' : a));
    const objective = ['--constants', 'PDI=10,IDV=-5', '--metric', 'l2', '--answer', 'argmax'];
    const first = runCli([...shortRun, ...objective], { env });
    expect(first.code).toBe(0);
    // The objective's settings are the run's: run.json records them, the best candidate was scored with them.
    const info = JSON.parse(fs.readFileSync(path.join(work, 'run/run.json'), 'utf8'));
    expect(info.instrument).toEqual({ name: 'vsm13', settings: { variants: 1, answer: 'argmax', metric: 'l2', constants: { kind: 'explicit', values: { PDI: 10, IDV: -5, MAS: 0, UAI: 0, LTO: 0, IVR: 0 } } }, format: { name: 'classify' } });
    const best = JSON.parse(fs.readFileSync(path.join(work, 'run/result.json'), 'utf8')).best;
    expect(best.scores).toEqual(best.details.indices.argmax);
    expect(best.scores.PDI).toBeCloseTo(best.details.rawIndices.argmax.PDI + 10, 9);
    expect(best.loss.metric).toBe('l2');
    fs.rmSync(path.join(work, 'run/result.json'));
    fs.writeFileSync(path.join(work, 'run/checkpoint.json'), '{"generation": 1, "de": {');
    const resumed = runCli([...shortRun, ...objective, '--resume'], { env });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr.trim().split('\n')).toHaveLength(1);
    expect(resumed.stderr).toMatch(/^cultune: .*run\/checkpoint\.json: not valid JSON \(/);
  });
});
