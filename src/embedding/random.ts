import seedrandom from 'seedrandom';

/**
 * A fast seeded stream for filling large arrays (a subspace projection holds millions of entries):
 * seedrandom turns the seed into 32 bits, an inlined mulberry32 does the rest. Same seed, same numbers,
 * on every platform.
 */
export class SeededStream {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: string | number) {
    this.state = seedrandom(String(seed)).int32();
  }

  /** Uniform in [0, 1), 32 bits. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), this.state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}
