import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalCondition, EvalRecord } from '../src/report/eval-record.ts';
import { DIMENSIONS, kendallTauB, resolveTarget, targetValues, vsm13Loss, zeroConstants } from '../src/vsm13/index.ts';
import { runCli } from './helpers/cli.ts';

const CHROMIUM = process.env.CULTUNE_CHROMIUM ?? '/usr/bin/chromium';
const COUNTRIES = ['SA', 'JP', 'DE'];
const CONDITIONS: EvalCondition[] = ['none', 'persona', 'soft'];

/** An eval record with made-up but consistent numbers: the loss is computed from the scores it shows. */
function fakeRecord(country: string, condition: EvalCondition, seed: number, withCulturalBench: boolean): EvalRecord {
  const target = resolveTarget({ country, fallback: 'region' });
  const values = targetValues(target);
  const scores = Object.fromEntries(DIMENSIONS.map((d, i) => [d, (values[d] ?? 50) + Math.sin(seed * 7 + i) * 30])) as EvalRecord['vsm13']['scores'];
  const accuracy = 0.3 + 0.1 * (seed % 5);
  return {
    cultune: '0.1.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    condition,
    run: `${country}-s1`,
    country: { name: target.country.name, code: target.country.code },
    model: { dir: 'model', hidden: 64, dtype: 'float32' },
    settings: { variants: 1, answer: 'expected', placement: 'start', seed: '0', bootstrap: 100 },
    vsm13: { scores, target: values, constants: zeroConstants(), loss: vsm13Loss(scores, values) },
    culturalbench: withCulturalBench
      ? {
          available: true,
          country: target.country.name,
          questions: { easy: 8, hard: 8 },
          easy: { mean: { value: accuracy, ci95: [accuracy - 0.1, accuracy + 0.1] }, strict: { value: accuracy / 2, ci95: [0, accuracy] } },
          hard: { value: 0.125, ci95: [0, 0.375] },
          limit: 8,
        }
      : { available: false, reason: 'CulturalBench unavailable from nowhere' },
  };
}

function writeRun(dir: string, country: string, index: number): EvalRecord[] {
  fs.mkdirSync(dir, { recursive: true });
  const target = resolveTarget({ country, fallback: 'region' });
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({ cultune: '0.1.0', country: { query: country, name: target.country.name, code: target.country.code }, target, settings: { variants: 1, placement: 'start', seed: 1 }, model: { dir: 'model', hidden: 64 } }),
  );
  const history = [1, 2, 3, 4].map((g) => ({ generation: g, evaluations: g * 20, bestLoss: 60 / g + index, medianLoss: 70 / g + index, seconds: g }));
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify({ stopReason: 'budget', best: null, history }));
  // The persona baseline of the second country has no CulturalBench result: one point fewer in the scatter.
  return CONDITIONS.map((condition, c) => {
    const record = fakeRecord(country, condition, index * 3 + c, !(index === 1 && condition === 'persona'));
    fs.writeFileSync(path.join(dir, `eval-${condition}.json`), JSON.stringify(record));
    return record;
  });
}

/** The DOM after rendering, as headless Chromium sees it. */
function renderDom(file: string, profile: string): string {
  const result = spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`chromium failed: ${result.stderr}`);
  return result.stdout;
}

function count(html: string, pattern: RegExp): number {
  return html.match(pattern)?.length ?? 0;
}

describe('cultune report', () => {
  let tmp: string;
  let out: string;
  const records: EvalRecord[] = [];
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-report-'));
    out = path.join(tmp, 'report');
    COUNTRIES.forEach((country, i) => records.push(...writeRun(path.join(tmp, `${country}-s1`), country, i)));
    const result = runCli(['report', ...COUNTRIES.map((c) => path.join(tmp, `${c}-s1`)), '--out', out]);
    if (result.code !== 0) throw new Error(result.stderr);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('report.json and report.csv hold exactly the numbers of the eval files', () => {
    const json = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    const csv: Record<string, string>[] = parse(fs.readFileSync(path.join(out, 'report.csv'), 'utf8'), { columns: true });
    expect(json.rows).toHaveLength(records.length);
    expect(csv).toHaveLength(records.length);
    records.forEach((record, i) => {
      const [row, line] = [json.rows[i], csv[i]];
      const cb = record.culturalbench;
      const expected: Record<string, number | null> = {
        vsm13_loss: record.vsm13.loss.loss,
        ...Object.fromEntries(DIMENSIONS.map((d) => [`model_${d}`, record.vsm13.scores[d]])),
        ...Object.fromEntries(DIMENSIONS.map((d) => [`target_${d}`, record.vsm13.target[d] ?? null])),
        ...Object.fromEntries(DIMENSIONS.map((d) => [`loss_${d}`, record.vsm13.loss.perDimension[d] ?? null])),
        easy_mean: cb.available ? cb.easy.mean.value : null,
        easy_mean_lo: cb.available ? cb.easy.mean.ci95[0] : null,
        easy_strict_hi: cb.available ? cb.easy.strict.ci95[1] : null,
        hard: cb.available ? cb.hard.value : null,
        hard_hi: cb.available ? cb.hard.ci95[1] : null,
      };
      expect(row.country).toBe(record.country.name);
      expect(row.condition).toBe(record.condition);
      expect(line.condition).toBe(record.condition);
      for (const [column, value] of Object.entries(expected)) {
        expect(row[column], column).toBe(value);
        expect(line[column] === '' ? null : Number(line[column]), column).toBe(value);
      }
    });
    const published = records.filter((r) => r.condition === 'soft');
    const agreement = json.rankAgreement.find((a: { condition: string; dimension: string }) => a.condition === 'soft' && a.dimension === 'PDI');
    expect(agreement.countries).toHaveLength(3);
    expect(agreement.kendallTauB).toBe(kendallTauB(published.map((r) => r.vsm13.scores.PDI), published.map((r) => r.vsm13.target.PDI as number)));
  });

  it('report.md has a table per country, rank agreement and the missing CulturalBench note', () => {
    const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const record of records) expect(markdown).toContain(`## ${record.country.name}`);
    expect(markdown).toContain('| soft | PDI | 3 |');
    expect(markdown).toContain('JP-s1, persona: CulturalBench unavailable from nowhere');
    expect(markdown).toContain(records[0].vsm13.loss.loss.toFixed(2));
  });

  it('report.html is self-contained and headless Chromium draws every chart', () => {
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="|href="http/);
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: \`npm test\` installs Debian's chromium first (scripts/install-chromium.sh, needs root), or set CULTUNE_CHROMIUM`);
    }
    const dom = renderDom(path.join(out, 'report.html'), path.join(tmp, 'chromium-profile'));
    const withCulturalBench = records.filter((r) => r.culturalbench.available).length;
    expect(count(dom, /<svg /g)).toBe(1 + COUNTRIES.length + 1);
    expect(count(dom, /<circle class="point"/g)).toBe(withCulturalBench);
    // Per country: six dimensions x (target + three conditions).
    expect(count(dom, /<rect class="bar"/g)).toBe(COUNTRIES.length * DIMENSIONS.length * (1 + CONDITIONS.length));
    const curves = [...dom.matchAll(/<path class="curve"[^>]* d="([^"]+)"/g)].map((m) => m[1]);
    expect(curves).toHaveLength(COUNTRIES.length);
    for (const d of curves) expect(d.split('L')).toHaveLength(4);
  }, 90_000);
});
