import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvalRecord } from '../src/eval/eval-record.ts';
import { DIMENSIONS } from '../src/targets/index.ts';
import { runCli } from './helpers/cli.ts';
import { makeRunFolder } from './helpers/run-folder.ts';
import { CULTURALBENCH_DATA as CULTURALBENCH, FIXTURES } from './helpers/paths.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');
const QUICK = ['--limit', '8', '--variants', '1', '--bootstrap', '200', '--device', 'cpu', '--no-download'];

describe('cultune eval', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-eval-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('evaluates a run prompt: six finite dimensions, accuracies in [0, 1]', () => {
    const run = path.join(tmp, 'SA-s1');
    makeRunFolder(run, 'SA');
    const result = runCli(['eval', run, '--culturalbench-data', CULTURALBENCH, ...QUICK]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('VSM 2013 loss');
    const record = readEvalRecord(path.join(run, 'eval-soft.json'));
    expect(record.condition).toBe('soft');
    expect(record.run).toBe('SA-s1');
    expect(record.instrument.settings).toMatchObject({ variants: 1, constants: { kind: 'explicit' } });
    for (const d of DIMENSIONS) expect(Number.isFinite(record.result.scores[d])).toBe(true);
    const mean = DIMENSIONS.reduce((sum, d) => sum + Math.abs(record.result.scores[d] - record.result.target[d]), 0) / DIMENSIONS.length;
    expect(record.result.loss.value).toBeCloseTo(mean, 9);
    const cb = record.culturalbench;
    if (!cb.available) throw new Error(cb.reason);
    expect(cb.country).toBe('Saudi Arabia');
    expect(cb.questions.easy).toBeLessThanOrEqual(8);
    for (const interval of [cb.easy.mean, cb.easy.strict, cb.hard]) {
      for (const v of [interval.value, ...interval.ci95]) {
        expect(v).not.toBeNull();
        expect(v as number).toBeGreaterThanOrEqual(0);
        expect(v as number).toBeLessThanOrEqual(1);
      }
    }

    // The real eval output goes through report unchanged.
    const out = path.join(tmp, 'report');
    expect(runCli(['report', run, '--out', out]).code).toBe(0);
    const [row] = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).rows;
    expect(row.loss).toBe(record.result.loss.value);
    expect(row.instrument).toBe('vsm13');
    expect(row.easy_mean).toBe(cb.easy.mean.value);
    expect(row.hard_lo).toBe(cb.hard.ci95[0]);
  });

  it("evaluates the persona baseline with --json, and reports the instrument alone without CulturalBench", () => {
    const run = path.join(tmp, 'JP-s1');
    makeRunFolder(run, 'JP');
    const result = runCli(['eval', run, '--baseline', 'persona', '--json', '--culturalbench-data', path.join(tmp, 'no-such-data'), ...QUICK]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^cultune: CulturalBench unavailable [^\n]*; VSM 2013 only\n$/);
    const printed = JSON.parse(result.stdout);
    expect(printed).toEqual(readEvalRecord(path.join(run, 'eval-persona.json')));
    expect(printed.condition).toBe('persona');
    expect(printed.culturalbench.available).toBe(false);
  });

  it('writes a baseline without a run folder into --out', () => {
    const out = path.join(tmp, 'baseline-us');
    const result = runCli(['eval', '--baseline', 'none', '--model', MODEL, '--country', 'US', '--out', out, '--culturalbench-data', path.join(tmp, 'none'), ...QUICK]);
    expect(result.code).toBe(0);
    const record = readEvalRecord(path.join(out, 'eval-none.json'));
    expect(record.run).toBeNull();
    expect(record.country.name).toBe('U.S.A.');
  });

  it('fails with one clear line for a missing run folder, a corrupt run.json and missing flags', () => {
    const missing = runCli(['eval', path.join(tmp, 'nope')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^cultune: .*nope: no such run folder\n$/);

    const corrupt = path.join(tmp, 'corrupt');
    makeRunFolder(corrupt, 'SA');
    fs.writeFileSync(path.join(corrupt, 'run.json'), '{"country": ');
    const bad = runCli(['eval', corrupt]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^cultune: .*run\.json: not valid JSON .*\n$/);

    // A run folder of cultune 0.1 (settings, no instrument) is refused in one line.
    const old = path.join(tmp, 'old');
    makeRunFolder(old, 'SA');
    const info = JSON.parse(fs.readFileSync(path.join(old, 'run.json'), 'utf8'));
    const { instrument: _instrument, softPrompt: _prompt, search: _search, ...rest } = info;
    fs.writeFileSync(path.join(old, 'run.json'), JSON.stringify({ ...rest, settings: { k: 2, variants: 1 } }));
    const refused = runCli(['eval', old]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^cultune: .*run\.json was written by cultune 0\.1 \(no instrument recorded\); [^\n]*train it again\n$/);

    // Settings of another instrument than the run's are refused before any model is loaded.
    const trained = path.join(tmp, 'trained-on-vsm13');
    makeRunFolder(trained, 'SA');
    const other = runCli(['eval', trained, '--instrument', 'no-such']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/^cultune: .*trained-on-vsm13 was trained on vsm13; --instrument is for a baseline without a run folder\n$/);

    const alone = runCli(['eval', '--baseline', 'none', '--model', MODEL]);
    expect(alone.code).not.toBe(0);
    expect(alone.stderr).toMatch(/^cultune: a baseline without a run folder needs --model DIR, --country X and --out DIR\n$/);
  });
});
