/**
 * Quality indicators of an approximation of a Pareto front (minimisation). Points are arrays of
 * objective values, all of the same length.
 */

type Point = ArrayLike<number>;

/**
 * Hypervolume: the measure of the region dominated by `points` and bounded by `reference` (Zitzler &
 * Thiele 1998). Points that do not strictly dominate the reference contribute nothing. Exact for any
 * number of objectives: two by a sweep in O(n log n), more by WFG (While, Bradstreet & Barone 2012,
 * "A Fast Way of Calculating Exact Hypervolumes", IEEE TEVC 16(1):86–95), which is exponential in the
 * number of objectives in the worst case and meant here for fronts of a few hundred points.
 */
export function hypervolume(points: readonly Point[], reference: readonly number[]): number {
  const m = reference.length;
  for (const p of points) {
    if (p.length !== m) throw new RangeError(`a point has ${p.length} objectives, the reference ${m}`);
  }
  const inside = points.filter((p) => Array.prototype.every.call(p, (v: number, j: number) => v < reference[j]));
  return wfg(nonDominated(inside.map((p) => Array.from(p))), reference);
}

/** WFG: the sum of each point's exclusive hypervolume against the points after it. */
function wfg(points: number[][], reference: readonly number[]): number {
  if (points.length === 0) return 0;
  if (reference.length === 1) return reference[0] - Math.min(...points.map((p) => p[0]));
  if (reference.length === 2) return sweep2d(points, reference);
  // Sorting by the last objective makes the limited sets small (While et al. 2012, §III).
  const sorted = [...points].sort((a, b) => b[b.length - 1] - a[a.length - 1]);
  let volume = 0;
  for (let k = 0; k < sorted.length; k++) {
    const p = sorted[k];
    const limited = sorted.slice(k + 1).map((q) => q.map((v, j) => Math.max(v, p[j])));
    volume += boxVolume(p, reference) - wfg(nonDominated(limited), reference);
  }
  return volume;
}

function boxVolume(p: readonly number[], reference: readonly number[]): number {
  let volume = 1;
  for (let j = 0; j < reference.length; j++) volume *= reference[j] - p[j];
  return volume;
}

/** Two objectives: sorted by the first, each point adds the strip between it and the best second value so far. */
function sweep2d(points: number[][], reference: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let ceiling = reference[1];
  for (const [x, y] of sorted) {
    if (y >= ceiling) continue;
    volume += (reference[0] - x) * (ceiling - y);
    ceiling = y;
  }
  return volume;
}

/** The points no other point weakly dominates (of equal points, one is kept). */
export function nonDominated(points: number[][]): number[][] {
  const out: number[][] = [];
  points.forEach((p, i) => {
    const covered = points.some((q, k) => k !== i && q.every((v, j) => v <= p[j]) && (q.some((v, j) => v < p[j]) || k < i));
    if (!covered) out.push(p);
  });
  return out;
}

/**
 * Inverted generational distance (Coello & Reyes Sierra 2004): the mean, over the points of a reference
 * set sampled from the true front, of the Euclidean distance to the nearest point of the approximation.
 * It falls only when the approximation both converges and covers the whole front.
 */
export function invertedGenerationalDistance(points: readonly Point[], referenceFront: readonly Point[]): number {
  if (points.length === 0) return Infinity;
  let total = 0;
  for (const r of referenceFront) {
    let nearest = Infinity;
    for (const p of points) {
      let squared = 0;
      for (let j = 0; j < r.length; j++) squared += (p[j] - r[j]) ** 2;
      nearest = Math.min(nearest, squared);
    }
    total += Math.sqrt(nearest);
  }
  return total / referenceFront.length;
}
