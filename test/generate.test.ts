import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LlamaModel } from '../src/model/llama-model.ts';
import type { Placement, Scorer, SoftPrompt } from '../src/model/types.ts';
import { FIXTURES } from './helpers/paths.ts';
import { greedyByRescoring } from './helpers/greedy-reference.ts';

const cacheDir = path.join(FIXTURES, '.prepared');
const BOS = 0;
/** Prompts of three lengths, two of them equal (they share decoding batches). */
const PROMPTS = [
  [BOS, 450, 4996, 17354, 1701, 29916, 432],
  [BOS, 17204, 975, 278],
  [BOS, 278, 17366, 11203, 29889, 450, 29871],
  [BOS, 319, 29871, 29906, 29941, 29946, 29896, 29906, 17204, 975],
];

function softPrompt(k: number, hidden: number, seed: number): SoftPrompt {
  const data = new Float32Array(k * hidden);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 12.9898 + i * 78.233) * 0.05;
  return { k, hidden, data };
}

/** The rescored decodes, computed once for both settings of prefix reuse: [placement, candidate, prompt]. */
const references = new Map<string, number[]>();

/**
 * With prefix reuse on (the graph passed its check for a KV cache with masked gaps) prompts of all
 * lengths share batches; with it off, only prompts of one length do. Three rows at most, so the four
 * prompts make two batches either way.
 */
describe.each([true, false])('greedy generation on the KV cache (seeded fp32 fixture, prefix reuse %s)', (prefixReuse) => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await loadModel(path.join(FIXTURES, 'llama-f32'), { device: 'cpu', cacheDir, maxBatchRows: 3, prefixReuse });
    expect(model.reusesPrefix).toBe(prefixReuse);
  });
  afterAll(() => model.dispose());

  it.each<[string, Placement]>([
    ['start', 'start'],
    ['after BOS', 'after-bos'],
  ])('gives the tokens of a decode that rescored every prefix over the whole vocabulary (soft prompt at %s)', async (_label, placement) => {
    const candidates = [undefined, softPrompt(3, model.hidden, 1), softPrompt(3, model.hidden, 2)];
    const maxNewTokens = 6;
    const generated = await model.generate(PROMPTS, candidates, { placement, maxNewTokens });
    for (const [c, prompt] of candidates.entries()) {
      for (const [p, ids] of PROMPTS.entries()) {
        const key = `${placement} ${c} ${p}`;
        if (!references.has(key)) references.set(key, await greedyByRescoring(model as Scorer, ids, prompt, placement, maxNewTokens, model.stopTokenIds, model.embeddingTable.vocab));
        const expected = references.get(key);
        expect(generated[c][p], `candidate ${c}, prompt ${p}`).toEqual(expected);
      }
    }
    // Texts of full length (the seeded model never says its stop token here), and the soft prompt
    // changes them, so the comparison above is not of empty or identical texts.
    expect(generated.flat().map((tokens) => tokens.length)).toEqual(new Array(candidates.length * PROMPTS.length).fill(maxNewTokens));
    expect(generated[1]).not.toEqual(generated[0]);
  });

  it('gives the same tokens on a second run and in another batching', async () => {
    const candidates = [softPrompt(2, model.hidden, 5)];
    const first = await model.generate(PROMPTS, candidates, { maxNewTokens: 5 });
    const again = await model.generate(PROMPTS, candidates, { maxNewTokens: 5 });
    expect(again).toEqual(first);
    const alone = await model.generate([PROMPTS[2]], candidates, { maxNewTokens: 5 });
    expect(alone[0][0]).toEqual(first[0][2]);
  });

  it('stops at the end-of-turn token the tokenizer names', () => {
    expect(model.stopTokenIds).toContain(model.tokenizer.specialTokenId('<|eot_id|>'));
  });
});

describe('greedy generation without a KV cache', () => {
  it('is refused in one line on an export without past_key_values inputs', async () => {
    const model = await loadModel(path.join(FIXTURES, 'llama-f32-inline'), { device: 'cpu', cacheDir });
    try {
      await expect(model.generate([[BOS, 450]], [undefined], { maxNewTokens: 2 })).rejects.toThrow(/needs a graph with a KV cache; this export has no past_key_values inputs/);
    } finally {
      await model.dispose();
    }
  });
});
