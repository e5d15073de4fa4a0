import { describe, expect, it } from 'vitest';
import { frontScatter, type FrontChartPoint } from '../src/report/front-chart.ts';
import { expectReadableAccuracyChart } from './helpers/chart-geometry.ts';

const numbers = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m.slice(1).map(Number));

describe('front chart', () => {
  const front: FrontChartPoint[] = [
    { kind: 'front', label: '#1', loss: 61.5, heldOut: { value: 0.31, ci95: [0.22, 0.4] } },
    { kind: 'front', label: '#0', loss: 58.2, heldOut: { value: 0.27, ci95: [0.18, 0.36] }, chosen: true },
    { kind: 'front', label: '#2', loss: 66, heldOut: { value: 0.35, ci95: [0.26, 0.44] } },
  ];
  const comparison: FrontChartPoint[] = [
    { kind: 'none', label: 'none', loss: 63, heldOut: { value: 0.25, ci95: [0.2, 0.3] } },
    { kind: 'persona', label: 'persona', loss: 63, heldOut: { value: 0.25, ci95: [0.2, 0.3] } },
    { kind: 'single', label: 'single', loss: 57, heldOut: { value: 0.26, ci95: [null, null] } },
  ];

  it('draws every member and comparison point, joins the members in order of loss and rings the chosen one', () => {
    const svg = frontScatter('Japan', 'VSM13 loss', [...front, ...comparison]);
    expect([...svg.matchAll(/class="point" data-kind="(\w+)"/g)].map((m) => m[1]).sort()).toEqual(['front', 'front', 'front', 'none', 'persona', 'single']);
    const line = numbers(/<path class="front-line" d="([^"]+)"/.exec(svg)![1], /[ML]([-\d.]+) [-\d.]+/g).map(([px]) => px);
    expect(line).toHaveLength(3);
    expect(line).toEqual([...line].sort((a, b) => a - b));
    expect(svg.match(/class="chosen"/g)).toHaveLength(1);
    expect(/data-label="#0" data-chosen="true"/.test(svg)).toBe(true);
    for (const name of ['front', 'single-objective', 'persona', 'none', 'chosen']) expect(svg).toContain(`>${name}</text>`);
    // No interval, no whisker: five whiskers for six points.
    expect(svg.match(/<g class="whisker"/g)).toHaveLength(5);
    expect(svg.match(/class="point-label"/g)).toHaveLength(6);
  });

  it('a whisker spans its interval: the marker sits where the value falls between the ends', () => {
    const svg = frontScatter('Japan', 'VSM13 loss', front);
    const cy = Number(/<circle class="point" data-kind="front" data-label="#1"[^>]*cy="([-\d.]+)"/.exec(svg)![1]);
    const [[top, bottom]] = numbers(svg, /<g class="whisker" data-kind="front" data-label="#1"[^>]*><line x1="[-\d.]+" x2="[-\d.]+" y1="([-\d.]+)" y2="([-\d.]+)"/g);
    expect((cy - top) / (bottom - top)).toBeCloseTo((0.4 - 0.31) / (0.4 - 0.22), 9);
  });
});

describe('front chart axis', () => {
  it('members that tie in accuracy with zero-width intervals keep the axis inside [0, 1], with chance, and labels apart', () => {
    const tied: FrontChartPoint[] = [0, 1, 2].map((i) => ({ kind: 'front', label: `#${i}`, loss: 60 + i, heldOut: { value: 0.25, ci95: [0.25, 0.25] } }));
    // none and persona at one loss and one accuracy: one point, drawn twice.
    const same: FrontChartPoint[] = (['none', 'persona'] as const).map((kind) => ({ kind, label: kind, loss: 61, heldOut: { value: 0.25, ci95: [0.25, 0.25] } }));
    const svg = frontScatter('tie', 'loss', [...tied, ...same]);
    expectReadableAccuracyChart(svg, [0.25, 0.25, 0.25, 0.25, 0.25]);
    expect(svg).toContain('>held-out CulturalBench Easy accuracy</tspan>');
  });

  it('a front near 1 keeps the axis at 1 and still shows chance', () => {
    const high: FrontChartPoint[] = [0, 1, 2].map((i) => ({ kind: 'front', label: `#${i}`, loss: 60 + i, heldOut: { value: 0.96 + i * 0.02, ci95: [0.9, 1] } }));
    expectReadableAccuracyChart(frontScatter('high', 'loss', high), [0.96, 0.98, 1]);
  });
});
