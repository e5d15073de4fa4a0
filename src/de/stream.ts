/**
 * The per-candidate random stream: mulberry32 (Tommy Ettinger), a counter-based generator whose state
 * is one 32-bit counter advanced by STREAM_STEP per draw. Binomial crossover needs one uniform per
 * coordinate; at tens of thousands of dimensions a seedrandom call each would cost more than the rest of
 * the step, while this inlines to a dozen integer operations. Each stream is seeded by one 32-bit draw
 * of the run's generator, so its state never needs saving.
 */
export const STREAM_STEP = 0x6d2b79f5;

/** The stream's 32 random bits at `counter`, as a signed 32-bit integer. */
export function streamWord(counter: number): number {
  let t = Math.imul(counter ^ (counter >>> 15), counter | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return t ^ (t >>> 14);
}

/** streamWord as a uniform in [0, 1). */
export function streamUniform(counter: number): number {
  return (streamWord(counter) >>> 0) * 2 ** -32;
}
