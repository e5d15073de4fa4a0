import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvalRecord } from '../src/eval/eval-record.ts';
import { makeGround, removeGround, smallTrainArgs, type Ground } from './helpers/bad-inputs.ts';
import { CULTURALBENCH_DATA } from './helpers/paths.ts';
import { cultune } from './helpers/in-process.ts';
import { planRequestForWork } from '../src/cli/model-options.ts';

const EVAL = ['--culturalbench-data', CULTURALBENCH_DATA, '--limit', '4', '--bootstrap', '20', '--device', 'cpu'];

let ground: Ground;
beforeAll(() => {
  ground = makeGround('format-cli');
});
afterAll(() => removeGround(ground));

describe('cultune train/eval/report --format cot', () => {
  it('trains with generated reasoning, resumes only with the same format, and eval and report say the format', async () => {
    const out = path.join(ground.root, 'runs');
    const args = (...extra: string[]) => smallTrainArgs(ground, out, '--format', 'cot', '--max-new-tokens', '6', ...extra);
    const trained = await cultune([...args(), '--json'], ground.env);
    expect(trained.code, trained.stderr).toBe(0);
    const run = path.join(out, 'run');
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    expect(info.instrument.format).toEqual({ name: 'cot', maxNewTokens: 6 });
    const finished = trained.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'finished');

    // Another format, or another cap, is another run.
    for (const [flags, asked] of [
      [['--format', 'classify'], 'classify'],
      [['--format', 'cot', '--max-new-tokens', '7'], 'cot \\(7 new tokens\\)'],
    ] as const) {
      const refused = await cultune([...smallTrainArgs(ground, out, ...flags), '--resume'], ground.env);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr.trim().split('\n').filter((l) => !/ on cpu, tree plan /.test(l))).toHaveLength(1);
      expect(refused.stderr).toMatch(new RegExp(`holds another run \\(format cot \\(6 new tokens\\) there, ${asked} asked\\)`));
    }
    const resumed = await cultune([...args(), '--resume', '--budget', '12', '--extend-budget'], ground.env);
    expect(resumed.code, resumed.stderr).toBe(0);

    const evaluated = await cultune(['eval', run, ...EVAL], ground.env);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toContain('condition soft, format cot (6 new tokens)');
    const record = readEvalRecord(path.join(run, 'eval-soft-cot.json'));
    expect(record.instrument.format).toEqual({ name: 'cot', maxNewTokens: 6 });
    // The saved prompt alone reads as it did in its population during training.
    const result = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8'));
    expect(record.inSample!.loss.value).toBe(result.best.loss.value);
    expect(result.best.loss.value).toBeLessThanOrEqual(finished.bestLoss);

    // eval --format overrides the run's: its prompt read in classify, into a file of its own.
    const classify = await cultune(['eval', run, '--format', 'classify', ...EVAL], ground.env);
    expect(classify.code, classify.stderr).toBe(0);
    expect(classify.stdout).toContain('condition soft, format classify');
    expect(readEvalRecord(path.join(run, 'eval-soft.json')).instrument.format).toEqual({ name: 'classify' });
    expect(readEvalRecord(path.join(run, 'eval-soft-cot.json')).result).toEqual(record.result);

    const reported = await cultune(['report', run, '--out', path.join(ground.root, 'report')], ground.env);
    expect(reported.code, reported.stderr).toBe(0);
    const markdown = fs.readFileSync(path.join(ground.root, 'report', 'report.md'), 'utf8');
    expect(markdown).toContain('| folder | condition | format | questions | VSM 2013 loss [95% CI] |');
    expect(markdown).toMatch(/\| run \| soft \| cot \(6 new tokens\) \| /);
    expect(markdown).toMatch(/\| run \| soft \| classify \| /);
  });

  it('reads a run folder written before formats as classify', async () => {
    const out = path.join(ground.root, 'old');
    const trained = await cultune(smallTrainArgs(ground, out, '--budget', '4'), ground.env);
    expect(trained.code, trained.stderr).toBe(0);
    const file = path.join(out, 'run', 'run.json');
    const info = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(info.instrument.format).toEqual({ name: 'classify' });
    delete info.instrument.format;
    fs.writeFileSync(file, JSON.stringify(info));
    const resumed = await cultune([...smallTrainArgs(ground, out), '--resume', '--extend-budget'], ground.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const evaluated = await cultune(['eval', path.join(out, 'run'), ...EVAL], ground.env);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toContain('format classify');
  });
});

describe('the plan a generating format asks for', () => {
  it('--plan auto (or none) becomes the tree, which holds the KV cache decoding needs, on every device; a plan given stays', () => {
    expect(planRequestForWork(undefined, { format: { name: 'cot', maxNewTokens: 64 } })).toBe('tree');
    expect(planRequestForWork('auto', { format: { name: 'cot', maxNewTokens: 64 } })).toBe('tree');
    expect(planRequestForWork('flat', { format: { name: 'cot', maxNewTokens: 64 } })).toBe('flat');
    expect(planRequestForWork(undefined, { format: { name: 'classify' } })).toBeUndefined();
    expect(planRequestForWork('auto', {})).toBe('auto');
  });
});
