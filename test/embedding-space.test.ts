import { describe, expect, it } from 'vitest';
import {
  initPopulation,
  initSoftPrompt,
  initSubspacePopulation,
  softPromptBounds,
  Subspace,
  tableStats,
  type EmbeddingTable,
} from '../src/embedding/index.ts';
import { UserError } from '../src/util/errors.ts';

/** A small table with known rows: row v, dimension j holds v + j / 10. */
const table: EmbeddingTable = { vocab: 50, hidden: 4, data: Float32Array.from({ length: 200 }, (_, n) => Math.floor(n / 4) + (n % 4) / 10) };
const row = (id: number) => Array.from(table.data.subarray(id * 4, id * 4 + 4));

function rowsOf(prompt: Float32Array): number[][] {
  return Array.from({ length: prompt.length / 4 }, (_, r) => Array.from(prompt.subarray(r * 4, r * 4 + 4)));
}

describe('initialisation', () => {
  it('RANDOM_DISCRETE copies seeded vocabulary rows', () => {
    const a = initSoftPrompt(table, 6, { method: 'RANDOM_DISCRETE', seed: 1 });
    rowsOf(a).forEach((r) => expect(r).toEqual(row(r[0])));
    expect(initSoftPrompt(table, 6, { method: 'RANDOM_DISCRETE', seed: 1 })).toEqual(a);
    expect(initSoftPrompt(table, 6, { method: 'RANDOM_DISCRETE', seed: 2 })).not.toEqual(a);
  });

  it('TEXT tiles the token embeddings to k, or cuts them', () => {
    expect(rowsOf(initSoftPrompt(table, 5, { method: 'TEXT', seed: 0, tokenIds: [3, 7] }))).toEqual([3, 7, 3, 7, 3].map(row));
    expect(rowsOf(initSoftPrompt(table, 2, { method: 'TEXT', seed: 0, tokenIds: [3, 7, 9] }))).toEqual([3, 7].map(row));
    expect(() => initSoftPrompt(table, 2, { method: 'TEXT', seed: 0, tokenIds: [50] })).toThrow(UserError);
    expect(() => initSoftPrompt(table, 2, { method: 'TEXT', seed: 0 })).toThrow(UserError);
  });

  it('RANDOM draws normals with the table mean and std', () => {
    const stats = tableStats(table);
    const prompt = initSoftPrompt(table, 5000, { method: 'RANDOM', seed: 3 });
    const mean = prompt.reduce((s, v) => s + v, 0) / prompt.length;
    const std = Math.sqrt(prompt.reduce((s, v) => s + (v - mean) ** 2, 0) / prompt.length);
    expect(mean).toBeCloseTo(stats.mean, 0);
    expect(Math.abs(std / stats.std - 1)).toBeLessThan(0.02);
  });

  it('populations: distinct members, TEXT jittered around the text with member 0 exact', () => {
    const discrete = initPopulation(table, 3, 4, { method: 'RANDOM_DISCRETE', seed: 'p' });
    expect(new Set(discrete.map((m) => m.join())).size).toBe(4);
    const text = initPopulation(table, 2, 4, { method: 'TEXT', seed: 'p', tokenIds: [5] }, 0.1);
    expect(rowsOf(text[0])).toEqual([row(5), row(5)]);
    const std = tableStats(table).std;
    for (const member of text.slice(1)) {
      expect(member).not.toEqual(text[0]);
      member.forEach((v, n) => expect(Math.abs(v - text[0][n])).toBeLessThan(6 * 0.1 * std));
    }
  });

  it('bounds follow the per-dimension range of the vocabulary, widened by the margin, tiled over k', () => {
    const { lower, upper } = softPromptBounds(tableStats(table), 2, 0.5);
    // dimension j spans [j/10, 49 + j/10]: width 49, so the margin adds 24.5 each side.
    [0, 0.1, 0.2, 0.3, 0, 0.1, 0.2, 0.3].forEach((v, n) => {
      expect(lower[n]).toBeCloseTo(v - 24.5, 5);
      expect(upper[n]).toBeCloseTo(v + 49 + 24.5, 5);
    });
  });
});

describe('subspace', () => {
  const k = 3;
  const hidden = 8;
  const zDim = 20;
  const s0 = Float32Array.from({ length: k * hidden }, (_, n) => n / 5);
  const space = new Subspace({ k, hidden, zDim, seed: 'A', std: 0.5, s0 });

  it('gives S0 at z = 0', () => {
    expect(space.project(new Float32Array(zDim))).toEqual(s0);
  });

  it('is affine: S(a z1 + b z2) - S0 = a (S(z1) - S0) + b (S(z2) - S0)', () => {
    const z1 = Float32Array.from({ length: zDim }, (_, n) => Math.sin(n));
    const z2 = Float32Array.from({ length: zDim }, (_, n) => Math.cos(3 * n));
    const combined = space.project(z1.map((v, n) => 2 * v - 0.5 * z2[n]));
    const s1 = space.project(z1);
    const s2 = space.project(z2);
    combined.forEach((v, n) => expect(v - s0[n]).toBeCloseTo(2 * (s1[n] - s0[n]) - 0.5 * (s2[n] - s0[n]), 4));
  });

  it('regenerates the same A from the same seed, another from another', () => {
    const z = Float32Array.from({ length: zDim }, (_, n) => n % 3);
    expect(new Subspace({ k, hidden, zDim, seed: 'A', std: 0.5, s0 }).project(z)).toEqual(space.project(z));
    expect(new Subspace({ k, hidden, zDim, seed: 'B', std: 0.5, s0 }).project(z)).not.toEqual(space.project(z));
  });

  it('a unit step in z moves each coordinate of S by about one table std', () => {
    const big = new Subspace({ k: 10, hidden: 200, zDim: 50, seed: 's', std: 0.02, s0: new Float32Array(2000) });
    const step = new Float32Array(50);
    step[7] = 0.6;
    step[31] = 0.8; // |step| = 1
    const moved = big.project(step);
    const rms = Math.sqrt(moved.reduce((s, v) => s + v * v, 0) / moved.length);
    expect(rms / 0.02).toBeGreaterThan(0.95);
    expect(rms / 0.02).toBeLessThan(1.05);
  });

  it('population for the subspace: member 0 is S0, the rest have |z| near the radius', () => {
    const population = initSubspacePopulation(6, 400, 'z', 2);
    expect(population[0].every((v) => v === 0)).toBe(true);
    for (const z of population.slice(1)) {
      const norm = Math.hypot(...z);
      expect(norm).toBeGreaterThan(1.8);
      expect(norm).toBeLessThan(2.2);
    }
  });

  it('rejects mismatched shapes', () => {
    expect(() => new Subspace({ k, hidden, zDim, seed: 1, std: 0.5, s0: new Float32Array(5) })).toThrow(UserError);
    expect(() => space.project(new Float32Array(3))).toThrow(UserError);
  });
});
