import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluateCulturalBench,
  loadCulturalBench,
  measureEasyThroughput,
  summarise,
  type CulturalBenchData,
  type EasyQuestion,
  type EvaluationResult,
} from '../src/culturalbench/index.ts';
import { rotate } from '../src/culturalbench/rotation.ts';
import { loadModel, type LlamaModel } from '../src/model/index.ts';
import type { Scorer } from '../src/model/types.ts';
import { CULTURALBENCH_DATA, FIXTURES } from './helpers/paths.ts';
import { readSettings } from '../src/util/settings.ts';

const MODEL_DIR = path.join(FIXTURES, 'llama-f32');
const SUBSET = 24;

let model: LlamaModel;
let data: CulturalBenchData;
let subset: EasyQuestion[];

beforeAll(async () => {
  model = await loadModel(MODEL_DIR, { device: 'cpu' });
  data = await loadCulturalBench(readSettings(), { dataDir: CULTURALBENCH_DATA });
  subset = data.easy.slice(0, SUBSET);
});
afterAll(async () => model?.dispose());

const evaluateEasy = (scorer: Scorer, easy: readonly EasyQuestion[]): Promise<EvaluationResult> =>
  evaluateCulturalBench(scorer, { easy, hard: [] }, { condition: {}, datasetCountries: [] });

/** The same questions with the options turned so that the right one is always at `position`. */
function withAnswerAt(questions: readonly EasyQuestion[], position: number): EasyQuestion[] {
  return questions.map((q) => ({ ...q, options: rotate(q.options, (q.answer - position + 4) % 4) as EasyQuestion['options'], answer: position }));
}

describe('CulturalBench on the tiny real model', () => {
  it('a position-biased reader over the real prompts and tokenizer: 25 % mean, 0 % strict, while the published order shows the A bias', async () => {
    // The tiny model's tokenizer and chat template, but a "model" that always prefers the first answer offered.
    const biased: Scorer = { hidden: model.hidden, tokenizer: model.tokenizer, score: async (requests) => requests.map((r) => r.options.map((_, i) => -i)) };
    // Tokenising costs about 10 ms a request: a subset keeps this fast while still A-biased.
    const easy = data.easy.slice(0, 2 * SUBSET);
    const letter = summarise(await evaluateEasy(biased, easy), { seed: 0, bootstrapSamples: 100 }).overall.easy!.letter;
    expect(letter.meanAccuracy.value).toBe(0.25);
    expect(letter.strictAccuracy.value).toBe(0);
    const answeredA = easy.filter((q) => q.answer === 0).length / easy.length;
    expect(answeredA).toBeGreaterThan(0.4);
    expect(letter.publishedOrderAccuracy).toBeCloseTo(answeredA, 12);
  });

  it("the model's rotation scores do not depend on where the data puts the right answer", async () => {
    const runs = await Promise.all([subset, withAnswerAt(subset, 0), withAnswerAt(subset, 3)].map((easy) => evaluateEasy(model, easy)));
    const perQuestion = (result: EvaluationResult) => result.easy.map((o) => [o.letter.filter(Boolean).length, o.loglikelihood.filter(Boolean).length]);
    expect(perQuestion(runs[1])).toEqual(perQuestion(runs[0]));
    expect(perQuestion(runs[2])).toEqual(perQuestion(runs[0]));
    const summary = summarise(runs[0], { seed: 0, bootstrapSamples: 100 }).overall.easy!;
    for (const method of [summary.letter, summary.loglikelihood]) {
      expect(method.questions).toBe(SUBSET);
      expect(method.meanAccuracy.ci95[0]).toBeLessThanOrEqual(method.meanAccuracy.value);
      expect(method.meanAccuracy.ci95[1]).toBeGreaterThanOrEqual(method.meanAccuracy.value);
      expect(method.strictAccuracy.value).toBeLessThanOrEqual(method.meanAccuracy.value);
    }
  });

  it('runs the persona and per-country soft prompt conditions, Hard included', async () => {
    const japan = { easy: data.easy.filter((q) => q.country === 'Japan').slice(0, 3), hard: data.hard.filter((q) => q.country === 'Japan').slice(0, 3) };
    const softPrompt = { k: 2, hidden: model.hidden, data: Float32Array.from({ length: 2 * model.hidden }, (_, i) => Math.sin(i) * 0.02) };
    for (const condition of [
      { text: { style: 'system' } } as const,
      { soft: { kind: 'per-country', byCountry: new Map([['Japan', softPrompt]]) } } as const,
    ]) {
      const result = await evaluateCulturalBench(model, japan, { condition, datasetCountries: ['Japan'] });
      expect(result.requests).toBe(3 * 5 + 3 * 4);
      const summary = summarise(result, { seed: 0, bootstrapSamples: 50 });
      expect(summary.byCountry.Japan.hard!.questions).toBe(3);
      expect(summary.byCountry.Japan.hard!.statementAccuracy).toBeGreaterThanOrEqual(0);
    }
  });

  it('times questions per second', async () => {
    const throughput = await measureEasyThroughput(model, subset.slice(0, 4));
    expect(throughput).toMatchObject({ questions: 4, requests: 20 });
    expect(throughput.questionsPerSecond).toBeGreaterThan(0);
  });
});
