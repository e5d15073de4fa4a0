import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluateCulturalBench,
  expectedQuestionAccuracy,
  loadCulturalBench,
  positionUnderRotation,
  prepareKnowledgeObjective,
  questionsIn,
  splitCountry,
  splitQuestionIds,
  type CulturalBenchData,
} from '../src/culturalbench/index.ts';
import { originalIndex, ROTATIONS } from '../src/culturalbench/rotation.ts';
import { argmax } from '../src/culturalbench/scoring.ts';
import { loadModel, type LlamaModel } from '../src/model/index.ts';
import { CULTURALBENCH_DATA, FIXTURES } from './helpers/paths.ts';
import { readSettings } from '../src/util/settings.ts';

let data: CulturalBenchData;
beforeAll(async () => {
  data = await loadCulturalBench(readSettings(), { dataDir: CULTURALBENCH_DATA });
});

describe('the held-out split', () => {
  it('halves the ids, disjoint and complete, the same for the same seed and different for another', () => {
    const ids = Array.from({ length: 41 }, (_, i) => 1000 + 7 * i);
    const split = splitQuestionIds([...ids].reverse(), 'Japan', 'JP-1');
    expect(split.train.length).toBe(21);
    expect(split.heldOut.length).toBe(20);
    expect([...split.train, ...split.heldOut].sort((a, b) => a - b)).toEqual(ids);
    expect(split.train.filter((id) => split.heldOut.includes(id))).toEqual([]);
    for (const side of [split.train, split.heldOut]) expect(side).toEqual([...side].sort((a, b) => a - b));
    expect(splitQuestionIds(ids, 'Japan', 'JP-1')).toEqual(split);
    expect(splitQuestionIds(ids, 'Japan', 'JP-2').train).not.toEqual(split.train);
    expect(splitQuestionIds(ids, 'China', 'JP-1').train).not.toEqual(split.train);
  });

  it("splits a country's real questions by id: an Easy question and its Hard twin fall on the same side", () => {
    const split = splitCountry(data.easy, 'Japan', '1');
    const easyIds = data.easy.filter((q) => q.country === 'Japan').map((q) => q.id);
    expect(split.train.length + split.heldOut.length).toBe(new Set(easyIds).size);
    const heldHard = questionsIn(data.hard, split, 'heldOut');
    expect(heldHard.length).toBeGreaterThan(0);
    for (const q of heldHard) expect(split.heldOut).toContain(q.id);
    expect(questionsIn(data.easy, split, 'train').every((q) => q.country === 'Japan' && split.train.includes(q.id))).toBe(true);
    expect(() => splitCountry(data.easy, 'Atlantis', '1')).toThrow(/too few/);
  });
});

describe('rotation-debiased expected accuracy', () => {
  it('the right option stands where originalIndex says, under every rotation', () => {
    for (const answer of [0, 1, 2, 3]) for (const r of ROTATIONS) expect(originalIndex(positionUnderRotation(answer, r), r, 4)).toBe(answer);
  });

  it('a reader with any fixed letter preference scores exactly 25 %, whichever option is right', () => {
    const preference = [-0.1, -2.3, -4, -1.2];
    for (const answer of [0, 1, 2, 3]) expect(expectedQuestionAccuracy(answer, ROTATIONS.map(() => preference))).toBeCloseTo(0.25, 15);
  });

  it('is the mean over rotations of the right letter’s probability among A–D (worked by hand)', () => {
    // Answer 2. Rotation r shows it at position (2 - r) mod 4: 2, 1, 0, 3.
    const l = Math.log;
    const logprobs = [
      [l(0.1), l(0.1), l(0.6), l(0.2)], // right letter C: 0.6
      [l(0.05), l(0.15), l(0.05), l(0.05)], // B: 0.15 / 0.3 = 0.5
      [l(0.2), l(0.2), l(0.2), l(0.2)], // A: 0.25
      [-1, -1, -1, -Infinity], // D: 0
    ];
    expect(expectedQuestionAccuracy(2, logprobs)).toBeCloseTo((0.6 + 0.5 + 0.25 + 0) / 4, 14);
  });
});

describe('the knowledge objective on the tiny real model', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    model = await loadModel(path.join(FIXTURES, 'llama-f32'), { device: 'cpu' });
  });
  afterAll(async () => model?.dispose());

  it("asks evaluation's letter prompts: the argmax of its log-probs gives evaluation's rightness, and candidates batch like one by one", async () => {
    const easy = questionsIn(data.easy, splitCountry(data.easy, 'Japan', '1'), 'train').slice(0, 6);
    const objective = prepareKnowledgeObjective(model, easy);
    expect(objective.requests.length).toBe(easy.length * 4);
    const logprobs = await model.score(objective.requests);
    const evaluated = await evaluateCulturalBench(model, { easy, hard: [] }, { condition: {}, datasetCountries: [] });
    easy.forEach((q, i) => {
      const rightness = ROTATIONS.map((r) => originalIndex(argmax(logprobs[4 * i + r]), r, 4) === q.answer);
      expect(rightness).toEqual(evaluated.easy[i].letter);
    });
    const byHand = easy.reduce((sum, q, i) => sum + expectedQuestionAccuracy(q.answer, logprobs.slice(4 * i, 4 * i + 4)), 0) / easy.length;
    expect(objective.accuracy(logprobs)).toBe(byHand);
    const prompts = [0.02, -0.03].map((scale) => ({ k: 2, hidden: model.hidden, data: Float32Array.from({ length: 2 * model.hidden }, (_, i) => Math.sin(i * scale) * scale) }));
    const batched = await objective.evaluateMany(prompts);
    for (const [i, prompt] of prompts.entries()) expect(batched[i]).toBeCloseTo(objective.accuracy(await model.score(objective.requests, { softPrompt: prompt })), 5);
    expect(batched[0]).not.toBe(batched[1]);
  });
});
