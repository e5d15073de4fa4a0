import seedrandom from 'seedrandom';

/** Seeded normal draws (Box–Muller on seedrandom's alea generator), reproducible on every platform. */
export class NormalSampler {
  private readonly uniform: seedrandom.PRNG;
  private spare: number | undefined;

  constructor(seed: string) {
    this.uniform = seedrandom.alea(seed);
  }

  next(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  fill(count: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = mean + std * this.next();
    return out;
  }
}
