import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { MULBERRY32_STEP, NormalSampler, Rng, SeededStream, boxMuller, mulberry32Uniform, mulberry32Word } from '../src/util/seeded-random.ts';

// The definitions, written again here without the module: mulberry32 as Tommy Ettinger's C source
// states it, on unsigned 32-bit integers (BigInt arithmetic mod 2^32), and Box–Muller as the textbook
// formula on seedrandom's generators called directly.
const M32 = (1n << 32n) - 1n;
function mulberry32Reference(state: bigint): bigint {
  let z = state & M32;
  z = ((z ^ (z >> 15n)) * (z | 1n)) & M32;
  z = (z ^ (z + (((z ^ (z >> 7n)) * (z | 61n)) & M32))) & M32;
  return z ^ (z >> 14n);
}

/** A mulberry32 generator from a signed 32-bit seed: advance by 0x6D2B79F5, mix, divide by 2^32. */
function mulberry32Stream(seed: number): () => number {
  let state = BigInt(seed >>> 0);
  return () => {
    state = (state + 0x6d2b79f5n) & M32;
    return Number(mulberry32Reference(state)) / 2 ** 32;
  };
}

/** Standard normals by Box–Muller from `uniform`, cosine then sine of each pair. */
function boxMullerPairs(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - uniform();
    const v = uniform();
    spare = Math.sqrt(-2 * Math.log(u)) * Math.sin(2 * Math.PI * v);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

describe('mulberry32', () => {
  it('mixes every counter as the C definition does', () => {
    for (const counter of [0, 1, -1, MULBERRY32_STEP, 0x7fffffff, -0x80000000, 123456789, -987654321]) {
      expect(mulberry32Word(counter) >>> 0).toBe(Number(mulberry32Reference(BigInt(counter >>> 0))));
      expect(mulberry32Uniform(counter)).toBe(Number(mulberry32Reference(BigInt(counter >>> 0))) / 2 ** 32);
    }
  });
});

describe('Rng (Tyche-i)', () => {
  it("draws seedrandom's tychei numbers, and normals by Box–Muller on two of them", () => {
    const rng = Rng.fromSeed('pin');
    const reference = seedrandom.tychei('pin');
    for (let i = 0; i < 200; i++) {
      expect(rng.uniform()).toBe(reference.double());
      expect(rng.int32()).toBe(reference.int32());
      expect(rng.below(37)).toBe(Math.floor(reference.double() * 37));
      const u = 1 - reference.double();
      const v = reference.double();
      expect(rng.normal(0.5, 0.1)).toBe(0.5 + 0.1 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
      expect(rng.cauchy(0.5, 0.1)).toBe(0.5 + 0.1 * Math.tan(Math.PI * (reference.double() - 0.5)));
    }
  });

  it('keeps its state as four numbers in JSON, and continues exactly from it', () => {
    const rng = Rng.fromSeed(7);
    for (let i = 0; i < 10; i++) rng.normal(0, 1);
    const saved = JSON.parse(JSON.stringify(rng.state()));
    expect(Object.keys(saved).sort()).toEqual(['a', 'b', 'c', 'd']);
    for (const word of Object.values(saved)) expect(Number.isInteger(word)).toBe(true);
    const restored = Rng.fromState(saved);
    for (let i = 0; i < 50; i++) expect(restored.uniform()).toBe(rng.uniform());
  });
});

describe('SeededStream (mulberry32 seeded by ARC4)', () => {
  it('draws the mulberry32 sequence from the seed, and normals in Box–Muller pairs', () => {
    const uniforms = new SeededStream('pin');
    const reference = mulberry32Stream(seedrandom('pin').int32());
    for (let i = 0; i < 500; i++) expect(uniforms.uniform()).toBe(reference());

    const normals = new SeededStream(42);
    const normalReference = boxMullerPairs(mulberry32Stream(seedrandom('42').int32()));
    for (let i = 0; i < 501; i++) expect(normals.normal()).toBe(normalReference());
  });
});

describe('NormalSampler (alea)', () => {
  it("fills float32 normals by Box–Muller pairs on seedrandom's alea", () => {
    const reference = boxMullerPairs(seedrandom.alea('pin'));
    const expected = Float32Array.from({ length: 301 }, () => 0.25 + 2 * reference());
    expect(Array.from(new NormalSampler('pin').fill(301, 0.25, 2))).toEqual(Array.from(expected));
  });
});

describe('boxMuller', () => {
  it('maps (u, v) to the radius sqrt(-2 ln(1 - u)) and the angle 2 pi v', () => {
    const origin = boxMuller(0, 0.25);
    expect(Math.abs(origin.radius)).toBe(0);
    expect(origin.angle).toBe(Math.PI / 2);
    const { radius, angle } = boxMuller(1 - Math.exp(-2), 0.5);
    expect(radius).toBeCloseTo(2, 12);
    expect(angle).toBe(Math.PI);
  });
});
