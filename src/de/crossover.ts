import type { Crossover } from './params.ts';
import { MULBERRY32_STEP, mulberry32Word, type RandomSource } from '../util/seeded-random.ts';

/**
 * A crossover chooses which coordinates of the trial come from the mutant (the rest are the
 * parent's). It writes them into `chosen` as a bit set, coordinate j at bit j % 32 of word j / 32,
 * over `dim` coordinates (chosen.length = ceil(dim / 32)). The trial is then built at those
 * coordinates only (see trial.ts); a bit set costs the binomial loop less than a list of indices.
 */
export type CrossoverChoice = (chosen: Int32Array, dim: number, CR: number, rng: RandomSource) => void;

/**
 * Binomial crossover: coordinate j comes from the mutant when u_j < CR, and always at one random
 * coordinate j_rand so the trial differs from its parent.
 * The u_j come from a stream seeded by one 32-bit draw of `rng` (mulberry32, src/util/seeded-random.ts), 16 bits each: stream
 * word n gives u_2n (its low half) and u_2n+1 (its high half). CR is thereby resolved to 2^-16, below
 * anything the adaptation can tell apart, at half the cost per coordinate. The loop has no
 * data-dependent branch: with CR near 0.5 a mispredicted branch per coordinate would cost more than
 * everything else in it. Draw order: j_rand, then the stream's seed.
 */
export function binomialCrossover(chosen: Int32Array, dim: number, CR: number, rng: RandomSource): void {
  const forced = rng.below(dim);
  // u_j < CR exactly when its 16 bits are at most ceil(CR 2^16) - 1 (-1 for CR = 0: never).
  drawBelow(chosen, Math.ceil(CR * 2 ** 16) - 1, rng.int32());
  clearPastEnd(chosen, dim);
  chosen[forced >>> 5] |= 1 << (forced & 31);
}

/**
 * Sets the bit of each coordinate whose 16-bit draw is at most `highest`. A function of its own, ending
 * with the loop: V8 compiles a long loop while it runs, and code after it that has not run yet would
 * throw that compiled loop away on every call.
 */
function drawBelow(chosen: Int32Array, highest: number, seed: number): void {
  const limit = highest | 0;
  const step = MULBERRY32_STEP | 0;
  let counter = seed | 0;
  for (let w = 0; w < chosen.length; w++) {
    // Bits of coordinates not taken: the sign bit of limit - u, set where u > limit (no overflow, both
    // lie in [-1, 2^16)). Stream word n's two bits enter at 30 and 31 and move down two places per
    // later word, ending at 2n and 2n + 1: constant shifts, no branch.
    let above = 0;
    for (let pair = 0; pair < 16; pair++) {
      counter = (counter + step) | 0;
      const word = mulberry32Word(counter);
      above = (above >>> 2) | (((limit - (word & 0xffff)) >>> 1) & 0x40000000) | ((limit - (word >>> 16)) & 0x80000000);
    }
    chosen[w] = ~above;
  }
}

/**
 * Exponential crossover (Storn & Price 1997): from a random start, consecutive coordinates (wrapping
 * around) come from the mutant while a uniform draw stays below CR, at least one and at most all.
 * Draw order: the start, then one uniform per extension tried.
 */
export function exponentialCrossover(chosen: Int32Array, dim: number, CR: number, rng: RandomSource): void {
  const start = rng.below(dim);
  let length = 1;
  while (length < dim && rng.uniform() < CR) length++;
  chosen.fill(0);
  for (let k = 0; k < length; k++) {
    const j = (start + k) % dim;
    chosen[j >>> 5] |= 1 << (j & 31);
  }
}

/** The words of a bit set over `dim` coordinates. */
export function chosenWords(dim: number): number {
  return Math.ceil(dim / 32);
}

/** Coordinates dim and beyond do not exist: their bits in the last word are cleared. */
function clearPastEnd(chosen: Int32Array, dim: number): void {
  if (dim % 32 !== 0) chosen[chosen.length - 1] &= (1 << dim % 32) - 1;
}

export const CROSSOVERS: Record<Crossover, CrossoverChoice> = {
  bin: binomialCrossover,
  exp: exponentialCrossover,
};
