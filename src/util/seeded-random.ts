import seedrandom from 'seedrandom';

/**
 * Every seeded random number of the project comes from here. Three generators, each kept for a reason
 * that fixes its numbers (checkpoints, cached models and published runs replay them bit for bit):
 * - `Rng` (seedrandom's Tyche-i): the optimiser's and the statistics' generator; its state is four
 *   numbers, so a checkpoint stores it as JSON and a resumed run continues exactly.
 * - mulberry32 (Tommy Ettinger): a counter-based 32-bit mix, a dozen integer operations inlined, for
 *   the per-coordinate draws of DE at tens of thousands of dimensions (each stream seeded by one
 *   32-bit draw of the run's `Rng`, so its state never needs saving) and for filling large arrays
 *   (`SeededStream`).
 * - seedrandom's alea (`NormalSampler`): the weights of the generated demo model.
 * Normal draws are Box–Muller on two uniforms, written once (`boxMuller`).
 */

/** The complete state of `Rng`: four 32-bit words, a plain JSON value (checkpoints store it as is). */
export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
}

/** The draws the DE operators and sampled generation need; `Rng` implements it, tests may script it. */
export interface RandomSource {
  uniform(): number;
  int32(): number;
  below(n: number): number;
  normal(mean: number, sd: number): number;
  cauchy(location: number, scale: number): number;
}

/**
 * Box–Muller: two uniforms in [0, 1) as the polar form (radius, angle) of a standard normal point;
 * radius x cos(angle) and radius x sin(angle) are two independent standard normals. The first uniform
 * enters as 1 - u, in (0, 1], so log(0) cannot occur. Callers multiply in their own order: the numbers
 * they produce are fixed bit for bit.
 */
export function boxMuller(u: number, v: number): { radius: number; angle: number } {
  return { radius: Math.sqrt(-2 * Math.log(1 - u)), angle: 2 * Math.PI * v };
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

  /** Normal draw (one value per call, the sine half discarded, so the state stays four numbers). */
  normal(mean: number, sd: number): number {
    const { radius, angle } = boxMuller(this.prng.double(), this.prng.double());
    return mean + sd * radius * Math.cos(angle);
  }

  /** Cauchy draw with location and scale (inverse CDF). */
  cauchy(location: number, scale: number): number {
    return location + scale * Math.tan(Math.PI * (this.prng.double() - 0.5));
  }
}

/** What mulberry32 adds to its 32-bit counter per draw. */
export const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32's 32 random bits at `counter` (already advanced by MULBERRY32_STEP), as a signed 32-bit integer. */
export function mulberry32Word(counter: number): number {
  let t = Math.imul(counter ^ (counter >>> 15), counter | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return t ^ (t >>> 14);
}

/** mulberry32Word as a uniform in [0, 1), 32 bits. */
export function mulberry32Uniform(counter: number): number {
  return (mulberry32Word(counter) >>> 0) * 2 ** -32;
}

/** Uniform draws, and standard normals from them by Box–Muller with both values of each pair used. */
abstract class UniformAndNormal {
  private spareNormal: number | undefined;

  /** Uniform in [0, 1). */
  abstract uniform(): number;

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal: the cosine half of a pair, then its sine half. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const value = this.spareNormal;
      this.spareNormal = undefined;
      return value;
    }
    const { radius, angle } = boxMuller(this.uniform(), this.uniform());
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

/**
 * A fast seeded stream for filling large arrays (a subspace projection holds millions of entries):
 * seedrandom (ARC4) turns the seed into 32 bits, mulberry32 does the rest. Same seed, same numbers, on
 * every platform.
 */
export class SeededStream extends UniformAndNormal {
  private counter: number;

  constructor(seed: string | number) {
    super();
    this.counter = seedrandom(String(seed)).int32();
  }

  uniform(): number {
    this.counter = (this.counter + MULBERRY32_STEP) | 0;
    return mulberry32Uniform(this.counter);
  }
}

/** Seeded normal draws on seedrandom's alea generator (the demo model's weights), reproducible on every platform. */
export class NormalSampler extends UniformAndNormal {
  private readonly alea: seedrandom.PRNG;

  constructor(seed: string) {
    super();
    this.alea = seedrandom.alea(seed);
  }

  uniform(): number {
    return this.alea();
  }

  /** `count` normals of mean `mean` and standard deviation `std`, as float32. */
  fill(count: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = mean + std * this.normal();
    return out;
  }
}
