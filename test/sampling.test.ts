import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/util/seeded-random.ts';
import { sampleToken } from '../src/model/generate.ts';
import { loadModel, type LlamaModel } from '../src/model/llama-model.ts';
import { FIXTURES } from './helpers/paths.ts';

/** softmax(logits / T), written here from the definition. */
function softmax(logits: readonly number[], temperature: number): number[] {
  const scaled = logits.map((l) => l / temperature);
  const top = Math.max(...scaled);
  const weights = scaled.map((s) => Math.exp(s - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** Pearson's chi-square statistic of observed counts against expected probabilities (over the tokens with p > 0). */
function chiSquare(counts: readonly number[], probabilities: readonly number[], draws: number): number {
  let statistic = 0;
  probabilities.forEach((p, i) => {
    if (p > 0) statistic += (counts[i] - draws * p) ** 2 / (draws * p);
  });
  return statistic;
}

function countDraws(logits: readonly number[], temperature: number, topP: number, draws: number, seed: number): number[] {
  const rng = Rng.fromSeed(seed);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampleToken(logits, { temperature, topP }, rng)]++;
  return counts;
}

// Upper 0.1% points of the chi-square distribution (any statistics table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4).
const CHI2_999 = { 2: 13.816, 4: 18.467 } as const;

describe('seeded sampling from softmax(logits / T)', () => {
  const LOGITS = [2.0, 1.0, 0.5, -1.0, 0.0];
  const DRAWS = 20000;

  it('draws tokens with the softmax probabilities (chi-square, 4 degrees of freedom)', () => {
    const temperature = 0.8;
    const counts = countDraws(LOGITS, temperature, 1, DRAWS, 7);
    const expected = softmax(LOGITS, temperature);
    expect(chiSquare(counts, expected, DRAWS)).toBeLessThan(CHI2_999[4]);
    // The test has power: the same counts are far from the softmax at another temperature.
    expect(chiSquare(counts, softmax(LOGITS, 1.6), DRAWS)).toBeGreaterThan(CHI2_999[4] * 10);
  });

  it('keeps only the nucleus under top-p and renormalises it (chi-square, 2 degrees of freedom)', () => {
    const temperature = 1;
    const topP = 0.8;
    const p = softmax(LOGITS, temperature);
    // The nucleus by the definition: most probable first, the shortest prefix whose mass reaches topP.
    const order = p.map((_, i) => i).sort((a, b) => p[b] - p[a]);
    const nucleus: number[] = [];
    let mass = 0;
    for (const i of order) {
      if (mass >= topP) break;
      nucleus.push(i);
      mass += p[i];
    }
    expect(nucleus.length).toBe(3);
    const expected = p.map((value, i) => (nucleus.includes(i) ? value / mass : 0));
    const counts = countDraws(LOGITS, temperature, topP, DRAWS, 11);
    for (const [i, count] of counts.entries()) if (!nucleus.includes(i)) expect(count, `token ${i} is outside the nucleus`).toBe(0);
    expect(chiSquare(counts, expected, DRAWS)).toBeLessThan(CHI2_999[2]);
  });

  it('is the argmax at temperature 0 and draws nothing', () => {
    const rng = Rng.fromSeed(3);
    const before = rng.state();
    expect(sampleToken([0.1, 3, 3, -2], { temperature: 0, topP: 1 }, rng)).toBe(1);
    expect(rng.state()).toEqual(before);
  });

  it('gives the same tokens from the same seed, others from another', () => {
    expect(countDraws(LOGITS, 1, 1, 200, 5)).toEqual(countDraws(LOGITS, 1, 1, 200, 5));
    const sequence = (seed: number) => {
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: 50 }, () => sampleToken(LOGITS, { temperature: 1, topP: 1 }, rng));
    };
    expect(sequence(5)).toEqual(sequence(5));
    expect(sequence(5)).not.toEqual(sequence(6));
  });
});

describe('sampled generation on the seeded fp32 fixture', () => {
  let model: LlamaModel;
  const PROMPTS = [
    [0, 450, 4996, 17354],
    [0, 17204, 975, 278, 319, 29871],
  ];
  beforeAll(async () => {
    model = await loadModel(path.join(FIXTURES, 'llama-f32'), { device: 'cpu', cacheDir: path.join(FIXTURES, '.prepared') });
  });
  afterAll(() => model.dispose());

  const sample = (seed: number, n: number) => model.generate(PROMPTS, [undefined], { maxNewTokens: 8, sampling: { temperature: 1, topP: 1, n, rng: Rng.fromSeed(seed) } });

  it('gives the same tokens bit for bit from the same seed, n texts per prompt', async () => {
    const [first] = await sample(42, 3);
    const [again] = await sample(42, 3);
    expect(first).toEqual(again);
    expect(first).toHaveLength(PROMPTS.length * 3);
    // The random model at T = 1 spreads over its vocabulary: the three texts of a prompt differ, and another seed differs.
    expect(new Set(first.slice(0, 3).map((t) => t.join(' '))).size).toBeGreaterThan(1);
    const [other] = await sample(43, 3);
    expect(other).not.toEqual(first);
  });

  it('at temperature 0 gives the greedy tokens', async () => {
    const [greedy] = await model.generate(PROMPTS, [undefined], { maxNewTokens: 8 });
    const [cold] = await model.generate(PROMPTS, [undefined], { maxNewTokens: 8, sampling: { temperature: 0, topP: 1, rng: Rng.fromSeed(1) } });
    expect(cold).toEqual(greedy);
  });
});
