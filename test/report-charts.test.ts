import { describe, expect, it } from 'vitest';
import { lossCurve, scoreBars, tradeOffScatter } from '../src/report/charts.ts';
import type { EvalRecord } from '../src/eval/eval-record.ts';
import type { EvalCondition } from '../src/eval/conditions.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { boxesOverlap, DEFAULT_LABEL_STYLE, markerBox, placeLabels, type Anchor, type Box } from '../src/report/label-placement.ts';
import type { ReportRow, TrainingCurve } from '../src/report/report-data.ts';
import { modelDisplayName } from '../src/report/run-header.ts';
import { DIMENSIONS } from '../src/targets/index.ts';
import { uniforms } from './helpers/uniforms.ts';
import { expectReadableAccuracyChart, pointBoxes } from './helpers/chart-geometry.ts';

const BOUNDS: Box = { x0: 0, y0: 0, x1: 560, y1: 290 };

function expectNoCollisions(anchors: readonly Anchor[], bounds: Box): void {
  const labels = placeLabels(anchors, bounds);
  const markers = anchors.map(markerBox);
  labels.forEach((label, i) => {
    const { box } = label;
    expect(box.x0 >= bounds.x0 && box.x1 <= bounds.x1 && box.y0 >= bounds.y0 && box.y1 <= bounds.y1, `label ${i} inside`).toBe(true);
    expect(box.x1 - box.x0).toBeCloseTo(label.text.length * DEFAULT_LABEL_STYLE.charWidth * DEFAULT_LABEL_STYLE.fontSize, 9);
    markers.forEach((marker, k) => expect(boxesOverlap(box, marker), `label ${i} over marker ${k}`).toBe(false));
    labels.slice(i + 1).forEach((other, k) => expect(boxesOverlap(box, other.box), `labels ${i} and ${i + 1 + k}`).toBe(false));
    if (label.leader) {
      // A leader runs from the marker's edge to the label's nearest point.
      const anchor = anchors[i];
      expect(Math.hypot(label.leader.x1 - anchor.x, label.leader.y1 - anchor.y)).toBeCloseTo(anchor.radius, 9);
      expect(label.leader.x2 >= box.x0 && label.leader.x2 <= box.x1 && label.leader.y2 >= box.y0 && label.leader.y2 <= box.y1).toBe(true);
    }
  });
}

describe('label placement', () => {
  it('coincident markers (none behind soft) get separate labels, none over a marker', () => {
    const anchors = (['none', 'persona', 'soft'] as const).map((condition) => ({ x: 200, y: 120, radius: 9, text: `SAU ${condition}` }));
    expectNoCollisions(anchors, BOUNDS);
    const labels = placeLabels(anchors, BOUNDS);
    expect(labels[0].leader).toBeNull(); // the first takes the spot beside the marker
  });

  it('forty random markers with three-letter labels: no label covers a label or a marker', () => {
    for (const seed of [1, 2, 3]) {
      const next = uniforms(seed);
      const anchors = Array.from({ length: 40 }, (_, i) => ({ x: 20 + next() * 520, y: 20 + next() * 250, radius: 5 + (i % 3) * 2, text: ['SAU', 'JPN', 'GER', 'MEX'][i % 4] }));
      expectNoCollisions(anchors, BOUNDS);
    }
  });

  it('a cluster at the frame edge turns its labels inwards', () => {
    const anchors = Array.from({ length: 5 }, (_, i) => ({ x: 555, y: 140 + i * 4, radius: 5, text: 'JPN' }));
    expectNoCollisions(anchors, BOUNDS);
  });
});

function record(country: string, code: string, condition: EvalCondition, scores: number[], easy: [number, number, number]): EvalRecord {
  const target: Record<string, number> = Object.fromEntries(DIMENSIONS.map((d, i) => [d, 40 + 10 * i]));
  const modelScores: Record<string, number> = Object.fromEntries(DIMENSIONS.map((d, i) => [d, scores[i]]));
  const loss = DIMENSIONS.reduce((sum, d, i) => sum + Math.abs(scores[i] - target[d]), 0) / DIMENSIONS.length;
  return {
    cultune: '0.1.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    condition,
    run: `${code}-s1`,
    country: { name: country, code },
    model: { dir: 'model', hidden: 64, dtype: 'float32' },
    settings: { placement: 'start', seed: '0', bootstrap: 100 },
    instrument: { name: 'vsm13', settings: VSM13.settings({ variants: '1' }) },
    result: { instrument: 'vsm13', scores: modelScores, target, loss: { value: loss, metric: 'l1', perScore: {}, difference: {}, missing: [] }, details: null },
    culturalbench: {
      available: true,
      country,
      questions: { easy: 20, hard: 20 },
      easy: { mean: { value: easy[0], ci95: [easy[1], easy[2]] }, strict: { value: 0, ci95: [0, 0] } },
      hard: { value: 0, ci95: [0, 0] },
      limit: 20,
    },
  };
}

const row = (r: EvalRecord): ReportRow => ({ folder: r.run as string, country: r.country.name, condition: r.condition, instrument: 'vsm13', format: 'classify', record: r });
const numbers = (svg: string, pattern: RegExp) => [...svg.matchAll(pattern)].map((m) => m.slice(1).map(Number));

describe('charts', () => {
  // Near-zero model scores beside targets of 40-90, as an untrained tiny model gives them.
  const nearZero = [0.6, -0.1, 0, -0.9, -0.2, -0.3];
  const rows = (['none', 'persona', 'soft'] as const).map((c) => row(record('Japan', 'JPN', c, nearZero, [0.263, 0.25, 0.287])));

  it('trade-off: coincident points are all drawn, with whiskers spanning their 95 % intervals', () => {
    const svg = tradeOffScatter(rows, VSM13.title);
    const markers = numbers(svg, /class="point"[^>]*?(?:cx="([-\d.]+)" cy="([-\d.]+)"|x="([-\d.]+)" y="([-\d.]+)")/g);
    expect(markers).toHaveLength(3);
    const whiskers = numbers(svg, /<g class="whisker"[^>]*><line x1="([-\d.]+)" x2="[-\d.]+" y1="([-\d.]+)" y2="([-\d.]+)"/g);
    expect(whiskers).toHaveLength(3);
    // Mean 0.263 in [0.25, 0.287]: the marker sits (0.287 - 0.263) / (0.287 - 0.25) of the way down the whisker.
    const cy = Number(/<circle class="point"[^>]*data-condition="soft"[^>]*cy="([-\d.]+)"/.exec(svg)![1]);
    for (const [, top, bottom] of whiskers) expect((cy - top) / (bottom - top)).toBeCloseTo((0.287 - 0.263) / (0.287 - 0.25), 9);
    // Dodged sideways, so three coincident intervals do not draw over one another.
    expect(new Set(whiskers.map(([x]) => x)).size).toBe(3);
    expect(numbers(svg, /<text class="point-label"/g)).toHaveLength(3);
  });

  it('trade-off: coincident accuracies with zero-width intervals keep the axis in [0, 1], show chance, and keep markers and labels apart', () => {
    const tied = (['none', 'persona', 'soft'] as const).map((c) => row(record('Saudi Arabia', 'SAU', c, nearZero, [0.25, 0.25, 0.25])));
    const svg = tradeOffScatter(tied, VSM13.title);
    // All three have one loss (the same scores) and one accuracy: one point, drawn three times.
    expectReadableAccuracyChart(svg, [0.25, 0.25, 0.25]);
    // Set side by side around their common loss, not moved as a whole.
    const xs = pointBoxes(svg).map((p) => p.x);
    const ticks = [...svg.matchAll(/<line class="tick" x1="([-\d.]+)" x2="[-\d.]+" y1="[-\d.]+" y2="[-\d.]+"\/><text x="[-\d.]+" y="[-\d.]+" text-anchor="middle">([-\d.]+)</g)].map((m) => [Number(m[1]), Number(m[2])]);
    const [[p0, v0], [p1, v1]] = [ticks[0], ticks.at(-1)!];
    const at = p0 + ((tied[0].record.result.loss.value - v0) / (v1 - v0)) * (p1 - p0);
    expect(Math.min(...xs)).toBeLessThan(at);
    expect(Math.max(...xs)).toBeGreaterThan(at);
    // Read as an accuracy, not as an interval.
    expect(svg).toContain('>CulturalBench Easy accuracy</tspan>');
    expect(svg).toContain('>mean over rotations; bars: 95 % interval</tspan>');
  });

  it('trade-off: six countries at one point and one accuracy, and countries near chance: all apart, axis in [0, 1]', () => {
    const codes = ['SAU', 'JPN', 'PER', 'DEU', 'MEX', 'IND'];
    const tied = codes.flatMap((code) => (['none', 'persona', 'soft'] as const).map((c) => row(record(code, code, c, nearZero, [0, 0, 0]))));
    expectReadableAccuracyChart(tradeOffScatter(tied, VSM13.title), tied.map(() => 0));
    const next = uniforms(7);
    const spread = codes.map((code, i) => {
      const accuracy = 0.2 + next() * 0.1;
      return row(record(code, code, 'soft', nearZero.map((v) => v + i * 0.01), [accuracy, accuracy, accuracy]));
    });
    expectReadableAccuracyChart(tradeOffScatter(spread, VSM13.title), spread.map((r) => (r.record.culturalbench as { easy: { mean: { value: number } } }).easy.mean.value));
  });

  it('bars: a near-zero score keeps a visible bar and prints its value; targets print theirs', () => {
    const svg = scoreBars('Japan', VSM13.title, VSM13.columns, rows);
    const bars = [...svg.matchAll(/<rect class="bar" data-series="(\w+)" data-dimension="(\w+)" x="[-\d.]+" y="([-\d.]+)" width="[-\d.]+" height="([-\d.]+)"/g)];
    expect(bars).toHaveLength(DIMENSIONS.length * 4);
    for (const [, , , , height] of bars) expect(Number(height)).toBeGreaterThanOrEqual(2);
    const printed = [...svg.matchAll(/<text class="bar-value" data-series="(\w+)" data-dimension="(\w+)"[^>]*>([^<]+)</g)];
    expect(printed.filter(([, series]) => series === 'soft').map(([, , , text]) => text)).toEqual(['0.6', '-0.1', '0.0', '-0.9', '-0.2', '-0.3']);
    expect(printed.filter(([, series]) => series === 'target').map(([, , , text]) => text)).toEqual(['40', '50', '60', '70', '80', '90']);
  });

  it('loss curve: the axis spans the run, so a gain of 0.03 fills most of the plot', () => {
    const history = [59.487, 59.475, 59.475, 59.473, 59.473, 59.459].map((bestLoss, g) => ({ generation: g + 1, evaluations: 8 * (g + 1), bestLoss, medianLoss: bestLoss + 0.02, seconds: g }));
    const curve: TrainingCurve = { folder: 'DE-s1', country: 'Germany', instrument: 'vsm13', finished: true, history };
    const svg = lossCurve(curve);
    const ys = numbers(/<path class="curve"[^>]* d="([^"]+)"/.exec(svg)![1], /[ML][-\d.]+ ([-\d.]+)/g).map(([y]) => y);
    const plotHeight = 270 - 34 - 50;
    expect(Math.max(...ys) - Math.min(...ys)).toBeGreaterThan(0.3 * plotHeight);
  });

  it('the header names a Hub model by id and a local one without its absolute path', () => {
    expect(modelDisplayName({ dir: '/anywhere/hub/x', hubId: 'onnx-community/SmolLM2-135M-Instruct' })).toBe('onnx-community/SmolLM2-135M-Instruct');
    expect(modelDisplayName({ dir: '/x', hubId: 'org/model', revision: 'abc123' })).toBe('org/model@abc123');
    expect(modelDisplayName({ dir: '/opt/models/tiny-llama' })).toBe('…/models/tiny-llama');
    expect(modelDisplayName({ dir: 'models/tiny' })).toBe('models/tiny');
  });
});
