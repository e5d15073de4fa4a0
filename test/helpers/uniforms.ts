/** Seeded uniform numbers in [0, 1) (mulberry32) for test data, independent of the optimiser's generator. */
export function uniforms(seed: number): () => number {
  let t = seed;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let r = Math.imul(t ^ (t >>> 15), t | 1);
    r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
    return ((r ^ (r >>> 14)) >>> 0) / 2 ** 32;
  };
}
