import type { Crossover } from './params.ts';
import type { RandomSource } from './random-source.ts';

/**
 * Both crossovers work in place: `trial` holds the mutant on entry and the trial on return (one
 * 40,960-float buffer less to stream through the cache per candidate).
 *
 * Binomial crossover: coordinate j comes from the mutant when u_j < CR, and always at one random
 * coordinate j_rand so the trial differs from its parent. The u_j (31-bit) come from a mulberry32
 * stream seeded by one 32-bit draw of `rng`: at tens of thousands of dimensions one seedrandom call per
 * coordinate would cost more than the rest of the step, while this inlined generator costs a few
 * nanoseconds. The choice is a bit mask on the float32 bit patterns, not a branch: with CR near 0.5
 * a mispredicted branch per coordinate tripled the cost. Draw order: j_rand, then the stream's seed.
 */
export function binomialCrossover(trial: Float32Array, target: Float32Array, CR: number, rng: RandomSource): void {
  const dim = trial.length;
  const forced = rng.below(dim);
  const threshold = Math.floor(CR * 2 ** 31);
  const trialBits = bitsOf(trial);
  const targetBits = bitsOf(target);
  let stream = rng.int32() | 0;
  for (let j = 0; j < dim; j++) {
    // mulberry32 (Tommy Ettinger), one step per coordinate.
    stream = (stream + 0x6d2b79f5) | 0;
    let t = Math.imul(stream ^ (stream >>> 15), stream | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    // All ones when u_j = ((t ^ t >>> 14) >>> 1) < threshold: the sign bit of their difference.
    const keepParent = ~-((((t ^ (t >>> 14)) >>> 1) - threshold) >>> 31);
    if (j === forced) continue;
    const mutantBits = trialBits[j];
    trialBits[j] = mutantBits ^ ((mutantBits ^ targetBits[j]) & keepParent);
  }
}

function bitsOf(array: Float32Array): Int32Array {
  return new Int32Array(array.buffer, array.byteOffset, array.length);
}

/**
 * Exponential crossover (Storn & Price 1997): from a random start, copy consecutive mutant coordinates
 * (wrapping around) while a uniform draw stays below CR, at least one and at most all of them.
 */
export function exponentialCrossover(trial: Float32Array, target: Float32Array, CR: number, rng: RandomSource): void {
  const dim = trial.length;
  const start = rng.below(dim);
  let length = 1;
  while (length < dim && rng.uniform() < CR) length++;
  // Coordinates start .. start+length-1 (wrapping) keep the mutant; the rest revert to the parent.
  const end = start + length;
  if (end <= dim) {
    trial.set(target.subarray(0, start), 0);
    trial.set(target.subarray(end), end);
  } else {
    trial.set(target.subarray(end - dim, start), end - dim);
  }
}

export const CROSSOVERS: Record<Crossover, typeof binomialCrossover> = {
  bin: binomialCrossover,
  exp: exponentialCrossover,
};
