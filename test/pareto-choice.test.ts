import { describe, expect, it } from 'vitest';
import { bestWithinTolerance, kneeIndex, normaliseObjectives } from '../src/de/index.ts';

/** Distance of p below the line through a and b (positive on the origin's side), computed directly. */
function distanceBelowLine(p: readonly number[], a: readonly number[], b: readonly number[]): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const cross = dx * (p[1] - a[1]) - dy * (p[0] - a[0]);
  return -cross / Math.hypot(dx, dy) * Math.sign(dx);
}

describe('choosing one point of a front', () => {
  it('the knee of the convex front f2 = 1 - sqrt(f1) is at f1 = 1/4, where the tangent is parallel to the chord', () => {
    const front = Array.from({ length: 41 }, (_, i) => i / 40).map((f1) => [f1, 1 - Math.sqrt(f1)]);
    expect(front[kneeIndex(front)][0]).toBe(0.25);
  });

  it('on a scaled 2-D front the knee is the point farthest below the line joining the extremes', () => {
    const front = [[3, 90], [5, 40], [7, 30], [12, 22], [20, 20]];
    const normalised = normaliseObjectives(front);
    const [a, b] = [normalised[0], normalised[normalised.length - 1]];
    const distances = normalised.map((p) => distanceBelowLine(p, a, b));
    const farthest = distances.indexOf(Math.max(...distances));
    expect(kneeIndex(front)).toBe(farthest);
    expect(farthest).toBe(2);
  });

  it('ties go to the first point; one point is its own knee; a constant objective counts for nothing', () => {
    expect(kneeIndex([[0, 1], [0.5, 0.5], [1, 0]])).toBe(0);
    expect(kneeIndex([[4, 2]])).toBe(0);
    expect(kneeIndex([[1, 7], [0, 7], [2, 7]])).toBe(1);
    expect(() => kneeIndex([])).toThrow(RangeError);
  });

  it('best in one objective within a tolerance of the best in another', () => {
    const front = [[10, -0.30], [11, -0.35], [12.5, -0.40], [20, -0.50]];
    expect(bestWithinTolerance(front, 0, 2, 1)).toBe(1);
    expect(bestWithinTolerance(front, 0, 2.5, 1)).toBe(2);
    expect(bestWithinTolerance(front, 0, 0, 1)).toBe(0);
    expect(bestWithinTolerance(front, 0, Infinity, 1)).toBe(3);
  });
});
