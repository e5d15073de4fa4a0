/**
 * Choosing one point of a Pareto front (all objectives minimised), on points given as arrays of
 * objective values. Both rules are deterministic: ties go to the lowest index.
 */

/** Each objective rescaled over the given points to [0, 1] (0 the best); a constant objective becomes 0. */
export function normaliseObjectives(points: readonly (readonly number[])[]): number[][] {
  const m = points[0]?.length ?? 0;
  const lows = Array.from({ length: m }, (_, j) => Math.min(...points.map((p) => p[j])));
  const highs = Array.from({ length: m }, (_, j) => Math.max(...points.map((p) => p[j])));
  return points.map((p) => p.map((v, j) => (highs[j] > lows[j] ? (v - lows[j]) / (highs[j] - lows[j]) : 0)));
}

/**
 * The knee of a front: with every objective normalised to [0, 1] over the front, the point with the
 * smallest sum of normalised objectives. With two objectives the extremes of a front sit at (0, 1) and
 * (1, 0), so this is the point farthest below the line joining them: the knee of Das (1999, "On
 * characterizing the 'knee' of the Pareto curve based on normal-boundary intersection", Structural
 * Optimization 18:107–115), where giving up a little of one objective buys the most of the other.
 * With more objectives it is the point farthest below the hyperplane through the unit points.
 */
export function kneeIndex(points: readonly (readonly number[])[]): number {
  if (points.length === 0) throw new RangeError('an empty front has no knee');
  const sums = normaliseObjectives(points).map((p) => p.reduce((s, v) => s + v, 0));
  let best = 0;
  for (let i = 1; i < sums.length; i++) if (sums[i] < sums[best]) best = i;
  return best;
}

/**
 * The best point in objective `prefer` among those whose objective `keep` is within `tolerance` of the
 * front's best value in it (e.g. the best CulturalBench accuracy among prompts at most 2 loss points
 * above the lowest VSM13 loss).
 */
export function bestWithinTolerance(points: readonly (readonly number[])[], keep: number, tolerance: number, prefer: number): number {
  if (points.length === 0) throw new RangeError('an empty front has no point to choose');
  const limit = Math.min(...points.map((p) => p[keep])) + tolerance;
  let best = -1;
  points.forEach((p, i) => {
    if (p[keep] <= limit && (best < 0 || p[prefer] < points[best][prefer])) best = i;
  });
  return best;
}
