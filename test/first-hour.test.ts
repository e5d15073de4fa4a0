import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';
import { tempDirs } from './helpers/temp-dirs.ts';

// What a new user meets in the first hour: defaults that work on any model, advice that runs.
const modelDir = path.join(FIXTURES, 'llama-f32');
const HIDDEN = 64;
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
const tempDir = tempDirs('first-hour');

describe('defaults work on a small model', () => {
  it('--dim left out is min(500, k x hidden), said once, stored, and a resume without --dim keeps it', () => {
    const out = tempDir();
    const k = 3;
    const args = ['train', '--model', modelDir, '--country', 'JP', '--device', 'cpu', '--k', String(k), '--pop', '4', '--budget', '8', '--variants', '1', '--out', out, '--name', 'run'];
    const first = runCli(args, { env });
    expect(first.stderr).not.toMatch(/exceeds/);
    expect(first.code).toBe(0);
    const said = first.stderr.split('\n').filter((line) => line.includes('--dim defaults to'));
    expect(said).toEqual([`cultune: --dim defaults to ${k * HIDDEN}, the soft prompt's own size (--k ${k} x hidden ${HIDDEN}), since it is below 500`]);
    const info = JSON.parse(fs.readFileSync(path.join(out, 'run', 'run.json'), 'utf8'));
    expect(info.search.dim).toBe(k * HIDDEN);
    const resumed = runCli([...args, '--budget', '12', '--extend-budget', '--resume'], { env });
    expect(resumed.stderr).not.toMatch(/differ/);
    expect(resumed.code).toBe(0);
    const explicit = runCli([...args, '--dim', '100', '--resume'], { env });
    expect(explicit.code).not.toBe(0);
    expect(explicit.stderr).toMatch(/dim 192 there, 100 asked/);
  });
});

describe('the model named as people name it', () => {
  it('--model path/to/model.onnx reads the graph in its folder, as the folder itself does', () => {
    const input = `${JSON.stringify({ prompt: 'Hello', options: [' yes', ' no'] })}\n`;
    const byFolder = runCli(['score', '--model', modelDir, '--device', 'cpu', '--input', '-'], { input, env });
    const byFile = runCli(['score', '--model', path.join(modelDir, 'model.onnx'), '--device', 'cpu', '--input', '-'], { input, env });
    expect(byFolder.code, byFolder.stderr).toBe(0);
    expect(byFile.code, byFile.stderr).toBe(0);
    expect(byFile.stdout).toBe(byFolder.stdout);
  });
});

describe('results that no longer hold are said to be stale', () => {
  it('an eval of the soft prompt made before training went on is flagged in the report, and a fresh one is not', () => {
    const out = tempDir();
    const train = (budget: number, ...extra: string[]) =>
      runCli(['train', '--model', modelDir, '--country', 'JP', '--device', 'cpu', '--k', '2', '--dim', '8', '--pop', '4', '--budget', String(budget), '--variants', '1', '--out', out, '--name', 'run', ...extra], { env });
    const run = path.join(out, 'run');
    const evalSoft = () => runCli(['eval', run, '--device', 'cpu', '--no-download'], { env });
    const report = () => runCli(['report', run, '--out', path.join(out, 'report')], { env });
    expect(train(8).code).toBe(0);
    expect(evalSoft().code).toBe(0);
    const record = JSON.parse(fs.readFileSync(path.join(run, 'eval-soft.json'), 'utf8'));
    expect(record.trainedTo).toEqual({ generations: 2, finished: true });
    expect(report().code).toBe(0);
    const notes = () => JSON.parse(fs.readFileSync(path.join(out, 'report', 'report.json'), 'utf8')).notes as string[];
    expect(notes().filter((n) => n.includes('stale'))).toEqual([]);
    expect(train(16, '--resume', '--extend-budget').code).toBe(0);
    expect(report().code).toBe(0);
    expect(notes().filter((n) => n.includes('stale'))).toEqual([
      'run, soft: stale, evaluated at generation 2, the run is now at 4 (finished): run cultune eval again',
    ]);
  });
});
