import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalRecord } from '../src/eval/eval-record.ts';
import type { EvalCondition } from '../src/eval/conditions.ts';
import { VSM13, vsm13Loss } from '../src/instruments/vsm13/index.ts';
import { kendallTauB } from '../src/report/rank-agreement.ts';
import { DIMENSIONS, targetValues } from '../src/targets/index.ts';
import { PNG } from 'pngjs';
import { CONDITION_COLORS } from '../src/report/charts.ts';
import { runCli } from './helpers/cli.ts';
import { chromium, CHROMIUM_WINDOW, requireChromium } from './helpers/chromium.ts';

const COUNTRIES = ['SA', 'JP', 'DE'];
const CONDITIONS: EvalCondition[] = ['none', 'persona', 'soft'];

/** An eval record with made-up but consistent numbers: the loss is computed from the scores it shows. */
function fakeRecord(country: string, condition: EvalCondition, seed: number, withCulturalBench: boolean): EvalRecord {
  const target = VSM13.target({ country, fallback: 'region' });
  const values = targetValues(target);
  const scores = Object.fromEntries(DIMENSIONS.map((d, i) => [d, (values[d] ?? 50) + Math.sin(seed * 7 + i) * 30])) as Record<(typeof DIMENSIONS)[number], number>;
  const accuracy = 0.3 + 0.1 * (seed % 5);
  return {
    cultune: '0.1.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    condition,
    run: `${country}-s1`,
    country: { name: target.country.name, code: target.country.code },
    model: { dir: 'model', hidden: 64, dtype: 'float32' },
    settings: { placement: 'start', seed: '0', bootstrap: 100 },
    instrument: { name: 'vsm13', settings: VSM13.settings({ variants: '1', constants: 'zero' }) },
    result: { instrument: 'vsm13', scores, target: values, loss: vsm13Loss(scores, values), details: null },
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

/** The model each run names: from the Hub, a folder outside the working folder, a relative folder. */
const MODELS = [
  { run: { dir: '/cache/hub/models--org--tiny/snapshots/abc', hidden: 64, hubId: 'org/tiny-llama', revision: 'main' }, shown: 'org/tiny-llama' },
  { run: { dir: '/opt/models/tiny-llama', hidden: 64 }, shown: '…/models/tiny-llama' },
  { run: { dir: 'model', hidden: 64 }, shown: 'model' },
];

function writeRun(dir: string, country: string, index: number): EvalRecord[] {
  fs.mkdirSync(dir, { recursive: true });
  const target = VSM13.target({ country, fallback: 'region' });
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      cultune: '0.2.0',
      country: { query: country, name: target.country.name, code: target.country.code },
      instrument: { name: 'vsm13', settings: VSM13.settings({ variants: '1', constants: 'zero' }) },
      target,
      softPrompt: { k: 4 + index, init: 'random', placement: 'start' },
      search: { space: 'full', dim: 64 * (4 + index), strategy: 'shade', pop: 4, budget: 100 * (index + 1), seed: 11 + index },
      model: MODELS[index].run,
    }),
  );
  const history = [1, 2, 3, 4].map((g) => ({ generation: g, evaluations: g * 20, bestLoss: 60 / g + index, medianLoss: 70 / g + index, seconds: g }));
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify({ stopReason: 'budget', best: null, history }));
  // The persona baseline of the second country has no CulturalBench result: one point fewer in the scatter.
  // The first country's prompt scores exactly as its unconditioned model: the two points coincide.
  return CONDITIONS.map((condition, c) => {
    const seed = index === 0 && condition === 'soft' ? 0 : index * 3 + c;
    const record = fakeRecord(country, condition, seed, !(index === 1 && condition === 'persona'));
    fs.writeFileSync(path.join(dir, `eval-${condition}.json`), JSON.stringify(record));
    return record;
  });
}

const WINDOW = CHROMIUM_WINDOW;

type Rect = [number, number, number, number];
interface Measured {
  points: { country: string; condition: string; rect: Rect }[];
  labels: { country: string; condition: string; rect: Rect }[];
}

/**
 * Reads where the trade-off chart's markers and labels landed, as Chromium laid them out with its own
 * fonts: a copy of the page with a script that writes their client rectangles into the DOM.
 */
const MEASURE = `<script>
const rect = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const of = (selector) => [...document.querySelectorAll(selector)].map((e) => ({ country: e.dataset.country, condition: e.dataset.condition, rect: rect(e) }));
const measured = document.createElement('pre');
measured.id = 'measured';
measured.textContent = JSON.stringify({ points: of('.point'), labels: of('.point-label') });
document.body.append(measured);
</script>`;

const overlap = (a: Rect, b: Rect, slack = 0) => a[0] < b[2] - slack && b[0] < a[2] - slack && a[1] < b[3] - slack && b[1] < a[3] - slack;

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
        loss: record.result.loss.value,
        ...Object.fromEntries(DIMENSIONS.map((d) => [`model_${d}`, record.result.scores[d]])),
        ...Object.fromEntries(DIMENSIONS.map((d) => [`target_${d}`, record.result.target[d] ?? null])),
        ...Object.fromEntries(DIMENSIONS.map((d) => [`loss_${d}`, record.result.loss.perScore[d] ?? null])),
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
    const agreement = json.rankAgreement.find((a: { condition: string; score: string }) => a.condition === 'soft' && a.score === 'PDI');
    expect(agreement.countries).toHaveLength(3);
    expect(agreement.kendallTauB).toBe(kendallTauB(published.map((r) => r.result.scores.PDI), published.map((r) => r.result.target.PDI)));
  });

  it('report.md has a table per country, rank agreement and the missing CulturalBench note', () => {
    const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const record of records) expect(markdown).toContain(`## ${record.country.name}`);
    expect(markdown).toContain('| vsm13 | soft | PDI | 3 |');
    expect(markdown).toContain('### VSM 2013');
    expect(markdown).toContain('JP-s1, persona: CulturalBench unavailable from nowhere');
    expect(markdown).toContain(records[0].result.loss.value.toFixed(2));
  });

  it('report.html is self-contained and headless Chromium draws every chart', () => {
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="|href="http/);
    requireChromium();
    const dom = chromium(path.join(out, 'report.html'), path.join(tmp, 'chromium-profile'), '--dump-dom');
    const withCulturalBench = records.filter((r) => r.culturalbench.available).length;
    // The trade-off, one bar chart per country, one loss curve per run.
    expect(count(dom, /<svg /g)).toBe(1 + COUNTRIES.length + COUNTRIES.length);
    expect(count(dom, /class="point"/g)).toBe(withCulturalBench);
    expect(count(dom, /<g class="whisker"/g)).toBe(withCulturalBench);
    // Per country: six dimensions x (target + three conditions).
    expect(count(dom, /<rect class="bar"/g)).toBe(COUNTRIES.length * DIMENSIONS.length * (1 + CONDITIONS.length));
    const curves = [...dom.matchAll(/<path class="curve"[^>]* d="([^"]+)"/g)].map((m) => m[1]);
    expect(curves).toHaveLength(COUNTRIES.length);
    for (const d of curves) expect(d.split('L')).toHaveLength(4);
    // The header: one row per run naming its model (Hub id, or the folder without its absolute path), k, budget, seed, and the scale of its losses.
    const header = [...dom.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td class="number">(\d+)<\/td><td class="number">(\d+)<\/td><td class="number">(\d+)<\/td><td class="number">(\d+)<\/td><td>([^<]*)<\/td><\/tr>/g)];
    const zeroScale = 'zero (raw VSM 2013 scale: only the C-free rank measures compare with published scores)';
    expect(header.map((m) => m.slice(1))).toEqual(
      COUNTRIES.map((c, i) => [`${c}-s1`, records[3 * i].country.name, MODELS[i].shown, 'vsm13', String(4 + i), String(100 * (i + 1)), '80', String(11 + i), zeroScale]),
    );
  }, 90_000);

  it('in Chromium no trade-off label covers another or a marker, and the coincident none and soft points show side by side', () => {
    requireChromium();
    const page = path.join(out, 'measure.html');
    fs.writeFileSync(page, fs.readFileSync(path.join(out, 'report.html'), 'utf8').replace('</body>', `${MEASURE}</body>`));
    const profile = path.join(tmp, 'chromium-profile');
    const dom = chromium(page, profile, '--dump-dom');
    const measured: Measured = JSON.parse(/<pre id="measured">([^<]*)<\/pre>/.exec(dom)![1].replace(/&quot;/g, '"'));
    const withCulturalBench = records.filter((r) => r.culturalbench.available).length;
    expect(measured.labels).toHaveLength(withCulturalBench);
    // Rendered text may reach a pixel past the placement's estimate; anything more is a real overlap.
    measured.labels.forEach((label, i) => {
      measured.labels.slice(i + 1).forEach((other) => expect(overlap(label.rect, other.rect, 1), `${label.country} ${label.condition} / ${other.country} ${other.condition}`).toBe(false));
      // Markers' rectangles leave out their stroke (1.25 px).
      measured.points.forEach((point) => {
        const stroked: Rect = [point.rect[0] - 1.25, point.rect[1] - 1.25, point.rect[2] + 1.25, point.rect[3] + 1.25];
        expect(overlap(label.rect, stroked, 1), `${label.country} ${label.condition} over ${point.country} ${point.condition}`).toBe(false);
      });
    });

    // The screenshot: the soft dot's centre is soft's blue, and the none ring, set beside it at the same accuracy, is grey.
    const screenshot = path.join(tmp, 'report.png');
    chromium(page, profile, `--screenshot=${screenshot}`);
    if (process.env.CULTUNE_REPORT_SCREENSHOT) fs.copyFileSync(screenshot, process.env.CULTUNE_REPORT_SCREENSHOT);
    const png = PNG.sync.read(fs.readFileSync(screenshot));
    expect([png.width, png.height]).toEqual(WINDOW);
    const pixel = (x: number, y: number) => {
      const offset = (Math.round(y) * png.width + Math.round(x)) * 4;
      return [png.data[offset], png.data[offset + 1], png.data[offset + 2]];
    };
    const hex = (color: string) => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
    const near = (actual: number[], expected: number[]) => actual.every((v, i) => Math.abs(v - expected[i]) <= 40);
    const first = records[0].country.name;
    const centre = (condition: string) => {
      const { rect } = measured.points.find((p) => p.country === first && p.condition === condition)!;
      return [(rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2, (rect[2] - rect[0]) / 2];
    };
    const [sx, sy, dotRadius] = centre('soft');
    const [nx, ny, ringRadius] = centre('none');
    expect(ny).toBeCloseTo(sy, 6);
    expect(Math.abs(nx - sx)).toBeGreaterThanOrEqual(dotRadius + ringRadius);
    expect(near(pixel(sx, sy), hex(CONDITION_COLORS.soft)), `soft centre ${pixel(sx, sy)}`).toBe(true);
    expect(near(pixel(nx + ringRadius, ny), hex(CONDITION_COLORS.none)), `none ring ${pixel(nx + ringRadius, ny)}`).toBe(true);
    expect(near(pixel(nx, ny - ringRadius), hex(CONDITION_COLORS.none)), `none ring ${pixel(nx, ny - ringRadius)}`).toBe(true);
  }, 90_000);
});

describe('cultune report: intervals and paired tests', () => {
  const RESPONDENTS = 12;
  const target = VSM13.target({ country: 'JP', fallback: 'region' });
  const published = targetValues(target);
  /** Respondent r's indices under a condition: the target plus an offset that shrinks with `pull` (made-up, deterministic). */
  const unitScores = (pull: number, r: number) => Object.fromEntries(DIMENSIONS.map((d, i) => [d, (published[d] ?? 50) + (20 + 15 * Math.sin(r * 3 + i)) * pull])) as Record<string, number>;
  /** The L1 loss over the dimensions of the respondents' mean indices, straight from the definition. */
  const l1OfMean = (units: Record<string, number>[]) =>
    DIMENSIONS.reduce((s, d) => s + Math.abs(units.reduce((t, u) => t + u[d], 0) / units.length - (published[d] as number)), 0) / DIMENSIONS.length;
  const pulls: Record<string, number> = { none: 1, persona: 0.9, soft: 0.5 };

  function unitRecord(condition: EvalCondition): EvalRecord {
    const base = fakeRecord('JP', condition, 1, false);
    const units = Array.from({ length: RESPONDENTS }, (_, r) => unitScores(pulls[condition], r));
    const scores = Object.fromEntries(DIMENSIONS.map((d) => [d, units.reduce((s, u) => s + u[d], 0) / RESPONDENTS])) as Record<(typeof DIMENSIONS)[number], number>;
    return {
      ...base,
      result: { ...base.result, scores, loss: vsm13Loss(scores, published), units: { unit: 'respondent', values: units.map((u, r) => ({ id: `p${r + 1}`, weight: 24, scores: u })) } },
      intervals: { unit: 'respondent', units: RESPONDENTS, samples: 100, seed: '0', loss: { value: vsm13Loss(scores, published).value, ci95: [1, 2] }, scores: {} },
    };
  }

  it('tests soft, persona and none against each other on the same respondents, exactly over all exchanges, and marks old files', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-paired-'));
    try {
      const dir = path.join(tmp, 'JP');
      const old = path.join(tmp, 'SA');
      fs.mkdirSync(dir);
      fs.mkdirSync(old);
      for (const c of CONDITIONS) fs.writeFileSync(path.join(dir, `eval-${c}.json`), JSON.stringify(unitRecord(c)));
      for (const c of CONDITIONS) fs.writeFileSync(path.join(old, `eval-${c}.json`), JSON.stringify(fakeRecord('SA', c, 2, false)));
      const result = runCli(['report', dir, old, '--out', path.join(tmp, 'out')]);
      expect(result.code, result.stderr).toBe(0);
      const json = JSON.parse(fs.readFileSync(path.join(tmp, 'out', 'report.json'), 'utf8'));
      const tested = json.comparisons.filter((c: { country: string }) => c.country === 'Japan');
      expect(tested.map((c: { a: string; b: string }) => `${c.a}-${c.b}`)).toEqual(['soft-none', 'soft-persona', 'persona-none']);
      for (const c of tested) {
        const [a, b] = [c.a, c.b].map((cond: EvalCondition) => Array.from({ length: RESPONDENTS }, (_, r) => unitScores(pulls[cond], r)));
        const observed = l1OfMean(a) - l1OfMean(b);
        let hits = 0;
        for (let mask = 0; mask < 2 ** RESPONDENTS; mask++) {
          const x = a.map((u, i) => ((mask >> i) & 1 ? b[i] : u));
          const y = b.map((u, i) => ((mask >> i) & 1 ? a[i] : u));
          if (Math.abs(l1OfMean(x) - l1OfMean(y)) >= Math.abs(observed) - 1e-9) hits++;
        }
        expect(c.test.effect).toBeCloseTo(observed, 9);
        expect(c.test.exact).toBe(true);
        expect(c.test.p).toBeCloseTo(hits / 2 ** RESPONDENTS, 12);
        expect(c.test.ci95[0]).toBeLessThanOrEqual(c.test.effect);
        expect(c.test.ci95[1]).toBeGreaterThanOrEqual(c.test.effect);
      }
      // Files without per-unit values: no test, a dash and a note, never a crash.
      const saudi = json.comparisons.filter((c: { country: string }) => c.country === 'Saudi Arabia');
      expect(saudi.every((c: { test: unknown; missing: string }) => c.test === null && /intervals missing/.test(c.missing))).toBe(true);
      const md = fs.readFileSync(path.join(tmp, 'out', 'report.md'), 'utf8');
      expect(md).toContain('## Paired tests between conditions');
      expect(md).toMatch(/\| soft - none \| -?\d+\.\d{3} \[/);
      expect(md).toContain('[—]');
      expect(md).toMatch(/SA, none: intervals missing/);
      const csv: Record<string, string>[] = parse(fs.readFileSync(path.join(tmp, 'out', 'report.csv'), 'utf8'), { columns: true });
      expect(csv.filter((r) => r.country === 'Japan').map((r) => [r.loss_lo, r.loss_hi])).toEqual(CONDITIONS.map(() => ['1', '2']));
      expect(fs.readFileSync(path.join(tmp, 'out', 'report.html'), 'utf8')).toContain('Paired tests between conditions');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
