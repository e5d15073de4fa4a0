import type { Mutation } from './params.ts';
import type { RandomSource } from './random-source.ts';

/** How many random partners (r1, r2, ...) each mutation draws besides the target and best/pbest. */
export const DONOR_COUNT: Record<Mutation, number> = {
  'rand/1': 3,
  'best/1': 2,
  'current-to-best/1': 2,
  'rand/2': 5,
  'current-to-pbest/1': 2,
};

/** Whether the mutation is steered by a good member: the best (best/1, current-to-best/1) or a pbest. */
export function usesGuide(mutation: Mutation): boolean {
  return mutation !== 'rand/1' && mutation !== 'rand/2';
}

/**
 * Picks distinct donor indices, none equal to the target. For current-to-pbest/1 the last donor is
 * drawn from the population and the archive together (indices >= popSize name archive entries),
 * as JADE prescribes; every other donor comes from the population.
 */
export function pickDonors(
  mutation: Mutation,
  rng: RandomSource,
  target: number,
  popSize: number,
  archiveCount: number,
): number[] {
  const donors: number[] = [];
  const count = DONOR_COUNT[mutation];
  for (let n = 0; n < count; n++) {
    const range = mutation === 'current-to-pbest/1' && n === count - 1 ? popSize + archiveCount : popSize;
    let pick: number;
    do pick = rng.below(range);
    while (pick === target || donors.includes(pick));
    donors.push(pick);
  }
  return donors;
}

/**
 * The mutant vector:
 *   rand/1             v = r1 + F (r2 - r3)
 *   rand/2             v = r1 + F (r2 - r3) + F (r4 - r5)
 *   best/1             v = best + F (r1 - r2)
 *   current-to-best/1  v = x + F (best - x) + F (r1 - r2)
 *   current-to-pbest/1 v = x + F (pbest - x) + F (r1 - r2)
 * `guide` is the best or pbest vector (ignored by the rand mutations). Computed in double precision,
 * stored as float32 like every candidate.
 */
export function mutate(
  out: Float32Array,
  mutation: Mutation,
  F: number,
  target: Float32Array,
  guide: Float32Array,
  donors: readonly Float32Array[],
): void {
  const dim = out.length;
  switch (mutation) {
    case 'rand/1': {
      const [a, b, c] = donors;
      for (let j = 0; j < dim; j++) out[j] = a[j] + F * (b[j] - c[j]);
      return;
    }
    case 'rand/2': {
      const [a, b, c, d, e] = donors;
      for (let j = 0; j < dim; j++) out[j] = a[j] + F * (b[j] - c[j]) + F * (d[j] - e[j]);
      return;
    }
    case 'best/1': {
      const [a, b] = donors;
      for (let j = 0; j < dim; j++) out[j] = guide[j] + F * (a[j] - b[j]);
      return;
    }
    case 'current-to-best/1':
    case 'current-to-pbest/1': {
      const [a, b] = donors;
      for (let j = 0; j < dim; j++) out[j] = target[j] + F * (guide[j] - target[j]) + F * (a[j] - b[j]);
      return;
    }
  }
}
