import { expect } from 'vitest';

/**
 * Geometry read back from a chart's SVG markup, computed here from the SVG definitions (a circle's box is
 * its centre ± radius plus half its stroke, and so on), so that chart tests do not trust the chart's own
 * bookkeeping.
 */

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const attribute = (element: string, name: string): number => {
  const match = new RegExp(`\\s${name}="([-\\d.e]+)"`).exec(element);
  return match ? Number(match[1]) : 0;
};

/** The left axis's ticks: value and pixel height (the tick line's y). */
export function leftTicks(svg: string): { value: number; y: number }[] {
  return [...svg.matchAll(/<line class="tick" x1="[-\d.]+" x2="[-\d.]+" y1="([-\d.]+)" y2="[-\d.]+"\/><text x="[-\d.]+" y="[-\d.]+" text-anchor="end">([-\d.]+)<\/text>/g)].map((m) => ({
    value: Number(m[2]),
    y: Number(m[1]),
  }));
}

/** The pixel height of `value` on a linear axis through its first and last tick. */
export function heightOf(ticks: readonly { value: number; y: number }[], value: number): number {
  const [first, last] = [ticks[0], ticks.at(-1)!];
  return first.y + ((value - first.value) / (last.value - first.value)) * (last.y - first.y);
}

/** Every marker of class "point" (circle, rect, path or polygon) as its centre and its box, stroke included. */
export function pointBoxes(svg: string): { x: number; y: number; box: Box }[] {
  return [...svg.matchAll(/<(circle|rect|path|polygon) class="point"[^>]*>/g)].map(([element, tag]) => {
    const half = attribute(element, 'stroke-width') / 2;
    if (tag === 'circle') {
      const [x, y, r] = [attribute(element, 'cx'), attribute(element, 'cy'), attribute(element, 'r') + half];
      return { x, y, box: { x0: x - r, y0: y - r, x1: x + r, y1: y + r } };
    }
    if (tag === 'rect') {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((n) => attribute(element, n));
      return { x: x + w / 2, y: y + h / 2, box: { x0: x - half, y0: y - half, x1: x + w + half, y1: y + h + half } };
    }
    // A diamond, as a path or a polygon: its corners are the listed points.
    const corners = tag === 'path' ? / d="([^"]+)"/.exec(element)![1] : / points="([^"]+)"/.exec(element)![1];
    const points = [...corners.matchAll(/([-\d.]+)[ ,]([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const xs = points.map(([px]) => px);
    const ys = points.map(([, py]) => py);
    const box = { x0: Math.min(...xs) - half, y0: Math.min(...ys) - half, x1: Math.max(...xs) + half, y1: Math.max(...ys) + half };
    return { x: (box.x0 + box.x1) / 2, y: (box.y0 + box.y1) / 2, box };
  });
}

/**
 * The box of every text of class `className`, drawn from its x and centred on its y: at most 0.8 em per
 * character (the widest capitals and digits of DejaVu Sans, the usual system-ui on Linux) and 1.25 em high,
 * at the charts' 12 px.
 */
export function textBoxes(svg: string, className: string): { text: string; box: Box }[] {
  return [...svg.matchAll(new RegExp(`<text class="${className}"[^>]* x="([-\\d.]+)" y="([-\\d.]+)"[^>]*>([^<]*)</text>`, 'g'))].map((m) => {
    const [x, y, text] = [Number(m[1]), Number(m[2]), m[3]];
    return { text, box: { x0: x, y0: y - 7.5, x1: x + text.length * 0.8 * 12, y1: y + 7.5 } };
  });
}

export function overlap(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/**
 * An accuracy chart reads: its axis inside [0, 1] with chance on it, the dashed chance line at 0.25 with
 * its label, every marker at its accuracy, and no marker, point label or the chance label over another.
 */
export function expectReadableAccuracyChart(svg: string, accuracies: readonly number[]): void {
  const ticks = leftTicks(svg);
  expect(ticks.length).toBeGreaterThan(1);
  expect(Math.min(...ticks.map((t) => t.value))).toBeGreaterThanOrEqual(0);
  expect(Math.max(...ticks.map((t) => t.value))).toBeLessThanOrEqual(1);
  expect(ticks[0].value).toBeLessThanOrEqual(0.25);
  expect(ticks.at(-1)!.value).toBeGreaterThanOrEqual(0.25);
  const chance = /<g class="chance"><line x1="[-\d.]+" x2="[-\d.]+" y1="([-\d.]+)" y2="([-\d.]+)"[^>]*stroke-dasharray/.exec(svg);
  expect(chance, 'a dashed chance line').not.toBeNull();
  expect(Number(chance![1])).toBeCloseTo(heightOf(ticks, 0.25), 6);
  expect(Number(chance![2])).toBe(Number(chance![1]));
  const chanceLabels = textBoxes(svg, 'chance-label');
  expect(chanceLabels.map((l) => l.text)).toEqual(['chance']);

  const points = pointBoxes(svg);
  expect(points).toHaveLength(accuracies.length);
  points.forEach((p, i) => expect(p.y, `marker ${i} at its accuracy`).toBeCloseTo(heightOf(ticks, accuracies[i]), 6));
  const labels = textBoxes(svg, 'point-label');
  expect(labels).toHaveLength(points.length);
  const boxes = [
    ...points.map((p, i) => ({ what: `marker ${i}`, box: p.box })),
    ...labels.map((l, i) => ({ what: `label ${i} (${l.text})`, box: l.box })),
    { what: 'chance label', box: chanceLabels[0].box },
  ];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => expect(overlap(a.box, b.box), `${a.what} over ${b.what}`).toBe(false)));
}
