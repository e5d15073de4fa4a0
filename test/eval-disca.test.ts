import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
/** A made-up panel of four personas per country (DISCA's panel size). */
const PANEL = ['You are a young person.', 'You are a middle-aged person.', 'You are an older person.', 'You are an average person.'];

/** MIS from its definition: the Euclidean distance over the names both sides have. */
const distance = (model: Record<string, number>, human: Record<string, number>) => Math.sqrt(Object.keys(model).filter((n) => n in human).reduce((s, n) => s + (model[n] - human[n]) ** 2, 0));

describe('cultune eval: DISCA beside the other conditions on MultiTP', () => {
  let work: string;
  let personas: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-eval-disca-'));
    personas = path.join(work, 'personas.json');
    fs.writeFileSync(personas, JSON.stringify({ JPN: PANEL, USA: PANEL }));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('--baseline disca gives the survey\'s DISCA numbers, with per-dilemma intervals', () => {
    const out = path.join(work, 'baseline');
    const evaluated = runCli(['eval', '--baseline', 'disca', '--instrument', 'multitp', '--dilemmas', '2', '--country', 'USA', '--model', MODEL, '--device', 'cpu', '--out', out, '--instruments', 'multitp', '--personas', personas, '--json'], { env });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const record = JSON.parse(evaluated.stdout);
    expect(record.condition).toBe('disca');
    expect(record.disca).toMatchObject({ variant: 'paper', ablation: 'none', seed: 0, personas: PANEL });
    expect(record.culturalbench.available).toBe(false);
    const survey = runCli(['survey', '--instrument', 'multitp', '--dilemmas', '2', '--country', 'USA', '--model', MODEL, '--device', 'cpu', '--condition', 'disca', '--personas', personas, '--json'], { env });
    expect(survey.code, survey.stderr).toBe(0);
    const surveyed = JSON.parse(survey.stdout);
    for (const [name, value] of Object.entries(surveyed.scores as Record<string, number>)) expect(record.result.scores[name]).toBeCloseTo(value, 9);
    expect(record.result.loss.value).toBeCloseTo(distance(record.result.scores, record.result.target), 12);
    expect(record.intervals.unit).toBe('dilemma');
    expect(record.intervals.units).toBe(12);
    expect(record.intervals.loss.ci95[0]).toBeLessThanOrEqual(record.result.loss.value);
    expect(record.intervals.loss.ci95[1]).toBeGreaterThanOrEqual(record.result.loss.value);
    expect(fs.existsSync(path.join(out, 'eval-disca.json'))).toBe(true);
  });

  it('a run is evaluated under none, soft, disca and soft+disca on its held-out dilemmas, and the report pairs them', () => {
    const trained = runCli(['train', '--instrument', 'multitp', '--country', 'JP', '--model', MODEL, '--device', 'cpu', '--dilemmas', '2', '--k', '2', '--dim', '8', '--pop', '4', '--budget', '4', '--seed', '2', '--out', work, '--json'], { env });
    expect(trained.code, trained.stderr).toBe(0);
    const run = path.join(work, 'JP-multitp-s2');
    const evaluated = runCli(['eval', run, '--conditions', 'none,soft,disca,soft+disca', '--device', 'cpu', '--instruments', 'multitp', '--personas', personas, '--json'], { env });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const records = JSON.parse(evaluated.stdout) as { condition: string; result: { scores: Record<string, number>; target: Record<string, number>; loss: { value: number }; units: { values: { id: string; stratum: string }[] } }; holdout: { heldOut: string[] } }[];
    expect(records.map((r) => r.condition)).toEqual(['none', 'soft', 'disca', 'soft+disca']);
    const [none, soft, disca, both] = records;
    for (const r of records) {
      // On the held-out dilemmas, every dimension among them (the split is per dimension).
      expect(r.result.units.values.map((u) => u.id)).toEqual(r.holdout.heldOut);
      expect(new Set(r.result.units.values.map((u) => u.stratum)).size).toBe(6);
      expect(r.result.loss.value).toBeCloseTo(distance(r.result.scores, r.result.target), 12);
    }
    // DISCA on the prompt is not DISCA alone, nor the prompt alone.
    expect(both.result.scores).not.toEqual(disca.result.scores);
    expect(both.result.scores).not.toEqual(soft.result.scores);
    expect(disca.result.scores).not.toEqual(none.result.scores);
    for (const file of ['eval-none.json', 'eval-soft.json', 'eval-disca.json', 'eval-soft+disca.json']) expect(fs.existsSync(path.join(run, file))).toBe(true);

    const reportDir = path.join(work, 'report');
    const reported = runCli(['report', run, '--out', reportDir], { env });
    expect(reported.code, reported.stderr).toBe(0);
    const markdown = fs.readFileSync(path.join(reportDir, 'report.md'), 'utf8');
    for (const pair of ['disca - none', 'soft - disca', 'soft+disca - soft', 'soft+disca - disca']) expect(markdown).toContain(`| ${pair} |`);
    const json = JSON.parse(fs.readFileSync(path.join(reportDir, 'report.json'), 'utf8'));
    const test = json.comparisons.find((c: { a: string; b: string }) => c.a === 'soft+disca' && c.b === 'soft').test;
    expect(test.effect).toBeCloseTo(both.result.loss.value - soft.result.loss.value, 12);
    expect(test.units).toBe(none.holdout.heldOut.length);
  });

  it('refuses DISCA where it cannot steer, and panel flags without it, in one line each', () => {
    const baseline = ['eval', '--country', 'USA', '--model', MODEL, '--device', 'cpu', '--out', path.join(work, 'refused'), '--instruments', 'vsm13'];
    const vsm = runCli([...baseline, '--baseline', 'disca', '--instrument', 'vsm13', '--personas', personas], { env });
    expect(vsm.code).not.toBe(0);
    expect(vsm.stderr.trim().split('\n')).toHaveLength(1);
    expect(vsm.stderr).toMatch(/DISCA steers MultiTP's forced choices/);
    const noPanel = runCli([...baseline.slice(0, -1), 'multitp', '--baseline', 'disca', '--instrument', 'multitp'], { env });
    expect(noPanel.stderr).toMatch(/exactly one of --personas FILE .* or --wvs FILE/);
    const stray = runCli([...baseline, '--baseline', 'none', '--instrument', 'vsm13', '--personas', personas], { env });
    expect(stray.code).not.toBe(0);
    expect(stray.stderr).toMatch(/--personas, --wvs and --disca-panel-from are for DISCA: add --conditions disca/);
    const softless = runCli([...baseline.slice(0, -1), 'multitp', '--conditions', 'soft+disca', '--instrument', 'multitp', '--personas', personas], { env });
    expect(softless.stderr).toMatch(/the soft\+disca condition steers a run's prompt: give its run folder/);
  });
});
