/**
 * Pareto dominance for minimisation, on objective vectors stored row-major: point i occupies
 * values[i * m .. (i + 1) * m) of a flat array with m objectives per point.
 */

/** a weakly dominates b: no objective of a is worse (a ≤ b everywhere). */
export function weaklyDominates(values: ArrayLike<number>, a: number, b: number, m: number): boolean {
  for (let j = 0; j < m; j++) if (values[a * m + j] > values[b * m + j]) return false;
  return true;
}

/** a dominates b: a ≤ b everywhere and a < b somewhere. */
export function dominates(values: ArrayLike<number>, a: number, b: number, m: number): boolean {
  let better = false;
  for (let j = 0; j < m; j++) {
    const x = values[a * m + j];
    const y = values[b * m + j];
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sorting (Deb, Pratap, Agarwal & Meyarivan 2002, "A Fast and Elitist Multiobjective
 * Genetic Algorithm: NSGA-II", IEEE TEVC 6(2):182–197, §III-A): the points split into fronts F1, F2, ...
 * where F1 is the non-dominated set and F(k+1) is what is non-dominated once F1..Fk are removed.
 * O(m n²); each front lists its points in ascending index order.
 */
export function nonDominatedFronts(values: ArrayLike<number>, count: number, m: number): number[][] {
  const dominatedBy = new Int32Array(count);
  const dominating: number[][] = Array.from({ length: count }, () => []);
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      if (dominates(values, a, b, m)) {
        dominating[a].push(b);
        dominatedBy[b]++;
      } else if (dominates(values, b, a, m)) {
        dominating[b].push(a);
        dominatedBy[a]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = Array.from(dominatedBy.keys()).filter((i) => dominatedBy[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const a of current) {
      for (const b of dominating[a]) if (--dominatedBy[b] === 0) next.push(b);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Crowding distance of each member of one front (Deb et al. 2002, §III-B): per objective, the members
 * sorted by it, the two extremes get +Infinity and every other adds the gap between its neighbours
 * divided by the objective's range. An objective with zero or non-finite range adds nothing. Ties are
 * sorted by index, so the result is deterministic.
 */
export function crowdingDistances(values: ArrayLike<number>, front: readonly number[], m: number): Float64Array {
  return distancesAlong(values, front, objectiveOrders(values, front, m), m);
}

/** Per objective, the positions in `front` sorted by that objective, ties by index. */
function objectiveOrders(values: ArrayLike<number>, front: readonly number[], m: number): number[][] {
  return Array.from({ length: m }, (_, j) =>
    Array.from(front.keys()).sort((a, b) => values[front[a] * m + j] - values[front[b] * m + j] || front[a] - front[b]),
  );
}

/** Crowding distances of the positions listed in `orders` (others stay 0). */
function distancesAlong(values: ArrayLike<number>, front: readonly number[], orders: readonly number[][], m: number): Float64Array {
  const distance = new Float64Array(front.length);
  orders.forEach((order, j) => {
    const n = order.length;
    if (n === 0) return;
    const value = (k: number) => values[front[order[k]] * m + j];
    distance[order[0]] = Infinity;
    distance[order[n - 1]] = Infinity;
    const range = value(n - 1) - value(0);
    if (!(range > 0 && Number.isFinite(range))) return;
    for (let k = 1; k < n - 1; k++) distance[order[k]] += (value(k + 1) - value(k - 1)) / range;
  });
  return distance;
}

/**
 * The `keep` points that survive, in ascending index order: whole fronts in order while they fit
 * (NSGA-II's elitist selection, Deb et al. 2002), then the front that does not fit is thinned one
 * point at a time, always removing the most crowded and recomputing the crowding distances after each
 * removal (Kukkonen & Deb 2006, "Improved Pruning of Non-Dominated Solutions Based on Crowding Distance
 * for Bi-Objective Optimization Problems", IEEE CEC 2006:1179–1186): computing them once, as NSGA-II
 * does, removes whole clusters and leaves gaps. Among equally crowded points the highest index goes.
 * The per-objective orders are sorted once; a removal keeps the rest sorted.
 */
export function survivors(values: ArrayLike<number>, count: number, m: number, keep: number): number[] {
  if (count <= keep) return Array.from({ length: count }, (_, i) => i);
  const kept: number[] = [];
  for (const front of nonDominatedFronts(values, count, m)) {
    if (kept.length + front.length <= keep) {
      kept.push(...front);
      continue;
    }
    const alive = new Uint8Array(front.length).fill(1);
    let orders = objectiveOrders(values, front, m);
    for (let left = front.length; kept.length + left > keep; left--) {
      const distance = distancesAlong(values, front, orders, m);
      let worst = -1;
      for (let k = 0; k < front.length; k++) if (alive[k] && (worst < 0 || distance[k] <= distance[worst])) worst = k;
      alive[worst] = 0;
      orders = orders.map((order) => order.filter((k) => k !== worst));
    }
    front.forEach((i, k) => alive[k] && kept.push(i));
    break;
  }
  return kept.sort((a, b) => a - b);
}
