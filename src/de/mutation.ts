import type { Mutation } from './params.ts';
import type { RandomSource } from '../util/seeded-random.ts';

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
 * Every mutation as one sum, v = base + scale1 (plus1 - minus1) + scale2 (plus2 - minus2), evaluated
 * left to right in double precision and stored as float32 like every candidate:
 *   rand/1             v = r1 + F (r2 - r3)
 *   rand/2             v = r1 + F (r2 - r3) + F (r4 - r5)
 *   best/1             v = best + F (r1 - r2)
 *   current-to-best/1  v = x + F (best - x) + F (r1 - r2)
 *   current-to-pbest/1 v = x + F (pbest - x) + F (r1 - r2)
 * The one-difference mutations get a first term of 0 * (base - base), which adds exactly zero, so a
 * single loop computes all of them.
 */
export interface MutantTerms {
  base: Float32Array;
  scale1: number;
  plus1: Float32Array;
  minus1: Float32Array;
  scale2: number;
  plus2: Float32Array;
  minus2: Float32Array;
}

/** `guide` is the best or pbest vector (ignored by the rand mutations); `donors` are r1, r2, ... */
export function mutantTerms(
  mutation: Mutation,
  F: number,
  target: Float32Array,
  guide: Float32Array,
  donors: readonly Float32Array[],
): MutantTerms {
  switch (mutation) {
    case 'rand/1':
      return { base: donors[0], scale1: 0, plus1: donors[0], minus1: donors[0], scale2: F, plus2: donors[1], minus2: donors[2] };
    case 'rand/2':
      return { base: donors[0], scale1: F, plus1: donors[1], minus1: donors[2], scale2: F, plus2: donors[3], minus2: donors[4] };
    case 'best/1':
      return { base: guide, scale1: 0, plus1: guide, minus1: guide, scale2: F, plus2: donors[0], minus2: donors[1] };
    case 'current-to-best/1':
    case 'current-to-pbest/1':
      return { base: target, scale1: F, plus1: guide, minus1: target, scale2: F, plus2: donors[0], minus2: donors[1] };
  }
}
