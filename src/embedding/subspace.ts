import { SeededStream } from '../util/seeded-random.ts';
import { UserError } from '../util/errors.ts';

export interface SubspaceOptions {
  /** Soft prompt shape: k virtual tokens of `hidden` values. */
  k: number;
  hidden: number;
  /** Dimension of the searched vector z (BBT uses ~500). */
  zDim: number;
  /** Seed of the projection A; A itself is never stored, only regenerated from this. */
  seed: string | number;
  /** Standard deviation of the embedding table (pooled over all entries): the scale of A. */
  std: number;
  /** The centre S0 (k x hidden), e.g. from initSoftPrompt. */
  s0: Float32Array;
}

/**
 * BBT's low-dimensional search space (Sun et al. 2022, "Black-Box Tuning for Language-Model-as-a-Service"):
 * S = S0 + reshape(A z, [k, hidden]), with A a fixed random (k*hidden) x zDim matrix.
 *
 * Scaling: every entry of A is drawn from N(0, std^2), std being the embedding table's. For any z,
 * each coordinate of A z is then N(0, std^2 |z|^2): a step of Euclidean length 1 in z moves every
 * coordinate of S by one embedding std, i.e. by an embedding-sized amount, whatever zDim is.
 * (BBT's sigma = std / (sqrt(zDim) sigma_z) is the same scale for z ~ N(0, sigma_z^2 I).)
 *
 * A is generated once from the seed (1-2.5 s for 10 x 2048 x 500 on a 2-core machine) and cached in memory
 * (4 bytes x k x hidden x zDim: 41 MB for 10 x 2048 x 500): one projection is then a plain
 * matrix-vector product (~50-90 ms there), far cheaper than regenerating A per candidate.
 */
export class Subspace {
  readonly k: number;
  readonly hidden: number;
  readonly zDim: number;
  private readonly s0: Float32Array;
  /** Row-major (k*hidden) x zDim: row r gives coordinate r of S, read contiguously in project(). */
  private readonly projection: Float32Array;

  constructor(options: SubspaceOptions) {
    const { k, hidden, zDim, seed, std, s0 } = options;
    if (![k, hidden, zDim].every((n) => Number.isInteger(n) && n > 0)) {
      throw new UserError(`subspace needs positive integer k, hidden and zDim, got ${k}, ${hidden}, ${zDim}`);
    }
    if (s0.length !== k * hidden) throw new UserError(`S0 has ${s0.length} values, expected k ${k} x hidden ${hidden}`);
    if (!(std > 0)) throw new UserError(`subspace scale (embedding std) must be positive, got ${std}`);
    this.k = k;
    this.hidden = hidden;
    this.zDim = zDim;
    this.s0 = s0.slice();
    this.projection = new Float32Array(k * hidden * zDim);
    const stream = new SeededStream(seed);
    for (let n = 0; n < this.projection.length; n++) this.projection[n] = std * stream.normal();
  }

  /** S0 + A z, row-major [k, hidden]. */
  project(z: ArrayLike<number>, out: Float32Array = new Float32Array(this.k * this.hidden)): Float32Array {
    const { zDim, projection, s0 } = this;
    if (z.length !== zDim) throw new UserError(`subspace vector has ${z.length} values, expected ${zDim}`);
    const zz = Float64Array.from(z);
    const unrolled = zDim - (zDim % 4);
    for (let row = 0; row < s0.length; row++) {
      const offset = row * zDim;
      // Four partial sums break the add dependency chain: ~2x faster than one.
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      for (let n = 0; n < unrolled; n += 4) {
        a += projection[offset + n] * zz[n];
        b += projection[offset + n + 1] * zz[n + 1];
        c += projection[offset + n + 2] * zz[n + 2];
        d += projection[offset + n + 3] * zz[n + 3];
      }
      for (let n = unrolled; n < zDim; n++) a += projection[offset + n] * zz[n];
      out[row] = s0[row] + (a + b + (c + d));
    }
    return out;
  }
}
