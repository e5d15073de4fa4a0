import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadModel, type LlamaModel } from '../src/model/llama-model.ts';
import { FIXTURES, TINY_GENAI } from './helpers/paths.ts';
import { originalLogits } from './helpers/original-graph.ts';
import { referenceLogits, logSoftmax } from './helpers/reference-llama.ts';
import type { SoftPrompt } from '../src/model/types.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';

/** The VSM 2013 requests of the default settings, as training builds them. */
const vsm13Requests = (tokenizer: Parameters<typeof prepareInstrument>[0]) => prepareInstrument(tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined).requests;


const cacheDir = path.join(FIXTURES, '.prepared');
/** <|begin_of_text|>: the BOS of the fixtures' tokenizer. */
const BOS = 0;
const prompt = [BOS, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889];

/** log p(option | prompt) from full-vocabulary logits of the original graph. */
async function expectedFromOriginal(graphPath: string, ids: number[], option: number[]): Promise<number> {
  const logits = await originalLogits(graphPath, [...ids, ...option.slice(0, -1)]);
  return option.reduce((sum, token, j) => sum + logSoftmax(logits[ids.length - 1 + j])[token], 0);
}

describe('seeded fixture graph (fp32, optimum layout)', () => {
  const dir = path.join(FIXTURES, 'llama-f32');
  it('computes the Llama forward pass: ORT on the exported graph equals a plain-loop reference', async () => {
    const ids = prompt.slice(0, 6);
    const [onnxLogits, reference] = [await originalLogits(path.join(dir, 'model.onnx'), ids), referenceLogits(dir, ids)];
    for (let p = 0; p < ids.length; p++) {
      let worst = 0;
      for (let v = 0; v < reference[p].length; v++) worst = Math.max(worst, Math.abs(onnxLogits[p][v] - reference[p][v]));
      expect(worst).toBeLessThan(1e-4);
    }
  });
});

describe.each([
  ['llama-f32', 'fp32', 1e-5],
  ['llama-f16', 'fp16', 2e-3],
  ['llama-f32-inline', 'fp32 inline, no KV inputs, onnx/ subfolder', 1e-5],
])('rewritten graph vs original graph: %s (%s)', (name, _label, tolerance) => {
  const dir = path.join(FIXTURES, name);
  const graphPath = name.endsWith('inline') ? path.join(dir, 'onnx', 'model.onnx') : path.join(dir, 'model.onnx');
  let model: LlamaModel;
  beforeAll(async () => {
    model = await loadModel(dir, { device: 'cpu', cacheDir });
  });
  afterAll(() => model.dispose());

  it('gives the same log-probabilities for single- and multi-token options', async () => {
    const options = [[29896], [29906], [29941, 29946], [319, 29871, 29906]];
    const [got] = await model.score([{ ids: prompt, options }]);
    for (let o = 0; o < options.length; o++) {
      expect(Math.abs(got[o] - (await expectedFromOriginal(graphPath, prompt, options[o])))).toBeLessThan(tolerance * options[o].length);
    }
  });
});

describe.skipIf(!fs.existsSync(TINY_GENAI))('onnxruntime-genai export (../shared tiny-random-llama-fp16, contrib ops)', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await loadModel(TINY_GENAI, { device: 'cpu', cacheDir });
  });
  afterAll(() => model.dispose());

  it('matches the original graph within fp16 rounding', async () => {
    const options = [[29896], [29906], [319]];
    const [got] = await model.score([{ ids: prompt, options }]);
    for (let o = 0; o < options.length; o++) {
      expect(Math.abs(got[o] - (await expectedFromOriginal(path.join(TINY_GENAI, 'model.onnx'), prompt, options[o])))).toBeLessThan(1e-3);
    }
  });

  it('reproduces the known greedy continuations from PROVENANCE.md', async () => {
    const vocabulary = Array.from({ length: model.embeddingTable.vocab }, (_, i) => [i]);
    const cases: [number[], number[]][] = [
      [[0, 0, 195, 731], [29592, 4877, 18112, 22607, 12936, 997]],
      [[0, 0, 0, 52], [12102, 30463, 4666, 17192, 3266, 18061]],
    ];
    for (const [start, expected] of cases) {
      const ids = [...start];
      for (let step = 0; step < expected.length; step++) {
        const [logprobs] = await model.score([{ ids, options: vocabulary }]);
        ids.push(logprobs.indexOf(Math.max(...logprobs)));
      }
      expect(ids.slice(start.length)).toEqual(expected);
    }
  });

  it('turns prefix reuse off for a graph whose mask only supports one-token decoding', () => {
    expect(model.reusesPrefix).toBe(false);
  });
});

describe('soft prompts, batching and prefix reuse (fp32 fixture)', () => {
  const dir = path.join(FIXTURES, 'llama-f32');
  let model: LlamaModel;
  let plain: LlamaModel;
  beforeAll(async () => {
    model = await loadModel(dir, { device: 'cpu', cacheDir });
    plain = await loadModel(dir, { device: 'cpu', cacheDir, prefixReuse: false });
  });
  afterAll(async () => {
    await model.dispose();
    await plain.dispose();
  });

  const rowsOf = (ids: number[]): SoftPrompt => {
    const d = model.hidden;
    const data = new Float32Array(ids.length * d);
    ids.forEach((id, i) => data.set(model.embeddingTable.data.subarray(id * d, id * d + d), i * d));
    return { k: ids.length, hidden: d, data };
  };
  const options = [[29896], [29906], [29941]];

  it('a soft prompt made of token embeddings equals those tokens (placement start)', async () => {
    const soft = rowsOf([450, 4996]);
    const [viaSoft] = await model.score([{ ids: prompt, options }], { softPrompt: soft });
    const [viaTokens] = await model.score([{ ids: [450, 4996, ...prompt], options }]);
    viaSoft.forEach((v, i) => expect(Math.abs(v - viaTokens[i])).toBeLessThan(1e-5));
  });

  it('placement after-bos puts the vectors right after BOS', async () => {
    expect(model.bosTokenId).toBe(BOS);
    const soft = rowsOf([450, 4996]);
    const [viaSoft] = await model.score([{ ids: prompt, options }], { softPrompt: soft, placement: 'after-bos' });
    const [viaTokens] = await model.score([{ ids: [prompt[0], 450, 4996, ...prompt.slice(1)], options }]);
    viaSoft.forEach((v, i) => expect(Math.abs(v - viaTokens[i])).toBeLessThan(1e-5));
  });

  it('k = 0 is exactly no soft prompt', async () => {
    const none = await model.score([{ ids: prompt, options }]);
    const empty = await model.score([{ ids: prompt, options }], { softPrompt: { k: 0, hidden: model.hidden, data: new Float32Array(0) } });
    expect(empty).toEqual(none);
  });

  it('a prompt scores the same alone and inside a padded batch of other lengths', async () => {
    const [alone] = await plain.score([{ ids: prompt, options }]);
    const batch = await plain.score([
      { ids: prompt.slice(0, 3), options },
      { ids: prompt, options },
      { ids: [...prompt, ...prompt, 29889], options },
    ]);
    alone.forEach((v, i) => expect(Math.abs(v - batch[1][i])).toBeLessThan(1e-5));
  });

  it('reusing the shared prefix KV gives the plain path\'s log-probabilities', async () => {
    expect(model.reusesPrefix).toBe(true);
    const soft = rowsOf([1701, 29916, 432]);
    const requests = [
      { ids: prompt, options },
      { ids: [...prompt.slice(0, 8), 278, 17366], options: [[29896, 29906], [29941]] },
      { ids: prompt.slice(0, 9), options },
    ];
    const reused = await model.score(requests, { softPrompt: soft });
    const direct = await plain.score(requests, { softPrompt: soft });
    reused.forEach((row, r) => row.forEach((v, i) => expect(Math.abs(v - direct[r][i])).toBeLessThan(1e-5)));
  });

  it('scoring several soft prompts in one pass equals one call per prompt', async () => {
    const requests = vsm13Requests(model.tokenizer).slice(0, 48);
    const prompts = [rowsOf([1701, 29916]), undefined, rowsOf([432, 17204, 975]), rowsOf([1701, 29916])];
    const together = await model.scoreCandidates(requests, prompts);
    const alone = await Promise.all(prompts.map((softPrompt) => plain.score(requests, { softPrompt })));
    let worst = 0;
    together.forEach((results, c) => results.forEach((row, r) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - alone[c][r][i]))))));
    expect(worst).toBeLessThan(1e-5);
  });

  it('the prefix tree over the VSM 2013 prompts gives the plain path\'s log-probabilities, in batches of any size', async () => {
    const requests = vsm13Requests(model.tokenizer);
    // Beside the survey: a duplicate, a prompt that is a prefix of another, multi-token options.
    const extra = [requests[5], { ids: requests[7].ids.slice(0, 40), options: [[450, 4996], [29896]] }];
    const all = [...requests, ...extra];
    const soft = rowsOf([1701, 29916, 432, 17204]);
    const direct = await plain.score(all, { softPrompt: soft });
    const small = await loadModel(dir, { device: 'cpu', cacheDir, tokensPerBatch: 300, maxBatchRows: 3 });
    try {
      expect(small.reusesPrefix).toBe(true);
      for (const tree of [await model.score(all, { softPrompt: soft }), await small.score(all, { softPrompt: soft })]) {
        let worst = 0;
        tree.forEach((row, r) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - direct[r][i])))));
        expect(worst).toBeLessThan(1e-5);
      }
    } finally {
      await small.dispose();
    }
  });
});
