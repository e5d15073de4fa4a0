import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvalRecord } from '../src/eval/eval-record.ts';
import { instrumentNamed } from '../src/instruments/index.ts';
import { runCli } from './helpers/cli.ts';
import { CULTURALBENCH_DATA, FIXTURES, REPO } from './helpers/paths.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
const TRAIN = ['--model', MODEL, '--device', 'cpu', '--k', '2', '--dim', '8', '--pop', '4', '--budget', '8', '--seed', '2'];
/** One respondent variant for the surveys that have them (GlobalOpinionQA asks Durmus et al.'s prompt, in both option orders). */
const ONE_VARIANT = ['--variants', '1'];
const EVAL = ['--culturalbench-data', CULTURALBENCH_DATA, '--limit', '4', '--bootstrap', '50', '--device', 'cpu'];

/** Each instrument through the commands a user runs: train, eval (prompt and a baseline), report. */
const OPINIONS = ['--data', path.join(REPO, 'test/fixtures/globalopinionqa/global_opinions.csv'), '--questions', '3'];

describe.each([
  ['vsm13', 'JP', ONE_VARIANT],
  ['iw-map', 'JP', ONE_VARIANT],
  ['globalopinionqa', 'JP', OPINIONS],
])('cultune train/eval/report --instrument %s', (name, country, extra) => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), `cultune-${name}-`));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('trains, evaluates the prompt and the persona baseline, and reports the scores beside CulturalBench', () => {
    const instrument = instrumentNamed(name);
    const trained = runCli(['train', '--instrument', name, '--country', country, ...TRAIN, ...extra, '--out', work, '--json'], { env });
    expect(trained.code, trained.stderr).toBe(0);
    // The default instrument's runs keep the plain folder name.
    const run = path.join(work, name === 'vsm13' ? `${country}-s2` : `${country}-${name}-s2`);
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    expect(info.instrument.name).toBe(name);
    const finished = trained.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'finished');
    expect(Object.keys(finished.scores)).toEqual(instrument.columns.map((c) => c.name));

    for (const baseline of [[], ['--baseline', 'persona']]) {
      const evaluated = runCli(['eval', run, ...baseline, ...EVAL], { env });
      expect(evaluated.code, evaluated.stderr).toBe(0);
      expect(evaluated.stdout).toContain(`${instrument.title} loss`);
    }
    const soft = readEvalRecord(path.join(run, 'eval-soft.json'));
    expect(soft.result.instrument).toBe(name);
    expect(soft.culturalbench.available).toBe(true);
    // The saved prompt scored alone gives the loss training recorded for it.
    expect(Math.abs(soft.inSample!.loss.value - finished.bestLoss)).toBeLessThan(1e-5);

    const out = path.join(work, 'report');
    const reported = runCli(['report', run, '--out', out], { env });
    expect(reported.code, reported.stderr).toBe(0);
    const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(markdown).toContain(`### ${instrument.title}`);
    const header = `| folder | condition | format | questions | ${instrument.title} loss [95% CI] | rank agreement tau-b (C-free) | in-sample loss | ${instrument.columns.map((c) => `${c.name} model / target`).join(' | ')} | CB Easy mean [95% CI] |`;
    expect(markdown).toContain(header);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain(`Trade-off: ${instrument.title} loss vs CulturalBench`);
    // One marker per condition evaluated: the prompt and the persona baseline.
    expect(html.match(/<(circle|rect) class="point"/g)).toHaveLength(2);
  });
});
