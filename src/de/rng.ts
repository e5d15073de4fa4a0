import seedrandom from 'seedrandom';
import type { RandomSource } from './random-source.ts';

/** The complete state of the generator: four 32-bit words, a plain JSON value. */
export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
}

/**
 * Seeded random numbers for the optimiser, built on seedrandom's Tyche-i generator.
 * Tyche-i is chosen over seedrandom's default ARC4 because it is ~4x faster (binomial crossover at
 * 40,960 dimensions draws tens of thousands of numbers per candidate) and its state is four numbers,
 * so a checkpoint restores it exactly and the run continues bit for bit.
 */
export class Rng implements RandomSource {
  private constructor(private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Tychei>) {}

  static fromSeed(seed: string | number): Rng {
    return new Rng(seedrandom.tychei(String(seed), { state: true }));
  }

  static fromState(state: RngState): Rng {
    return new Rng(seedrandom.tychei(undefined, { state: { ...state } }));
  }

  state(): RngState {
    const { a, b, c, d } = this.prng.state();
    return { a, b, c, d };
  }

  /** Uniform in [0, 1) with 53 bits of resolution. */
  uniform(): number {
    return this.prng.double();
  }

  /** 32 random bits as a signed integer (callers split it into smaller draws). */
  int32(): number {
    return this.prng.int32();
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.prng.double() * n);
  }

  /** Normal draw (Box–Muller; one value per call so the state stays four numbers). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.prng.double(); // (0, 1]: log(0) is impossible
    const v = this.prng.double();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Cauchy draw with location and scale (inverse CDF). */
  cauchy(location: number, scale: number): number {
    return location + scale * Math.tan(Math.PI * (this.prng.double() - 0.5));
  }
}
