import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  crossMatrix,
  evaluateCulturalBench,
  formatBreakdown,
  formatCross,
  parseEasyCsv,
  parseHardCsv,
  personaFor,
  selectQuestions,
  softPromptsFromDirectory,
  summarise,
  type Condition,
  type CulturalBenchData,
  type EvaluationResult,
} from '../src/culturalbench/index.ts';
import { bootstrapInterval, estimate, quantile } from '../src/stats/bootstrap.ts';
import { rotate } from '../src/culturalbench/rotation.ts';
import { argmax, choicesFromOrderFreeScores, rotationCorrectness, scoreRotations } from '../src/culturalbench/scoring.ts';
import { buildScoreRequest, conditionMessages, continuationText } from '../src/instruments/index.ts';
import type { SoftPrompt } from '../src/model/types.ts';
import { alwaysFirst, CharTokenizer, FakeScorer, oracle, optionUnderLetter, type Judge } from './fixtures/culturalbench/fake-model.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'culturalbench');
const easy = parseEasyCsv(fs.readFileSync(path.join(FIXTURES, 'easy-small.csv'), 'utf8'), 'easy-small.csv').questions;
const hard = parseHardCsv(fs.readFileSync(path.join(FIXTURES, 'hard-small.csv'), 'utf8'), 'hard-small.csv').questions;
const data: CulturalBenchData = { easy, hard, files: [], setAside: [] };
const rightTexts = new Set([...easy.map((q) => q.options[q.answer]), ...hard.flatMap((q) => q.statements.filter((s) => s.isTrue).map((s) => s.text))]);
const NONE: Condition = {};

async function run(judge: Judge, condition: Condition = NONE, cross = false): Promise<{ result: EvaluationResult; scorer: FakeScorer }> {
  const scorer = new FakeScorer(judge);
  const result = await evaluateCulturalBench(scorer, { easy, hard }, { condition, cross, datasetCountries: ['Japan', 'Peru'] });
  return { result, scorer };
}

describe('rotations and Easy scoring', () => {
  it('rotates cyclically so each option is shown once at each position', () => {
    expect([0, 1, 2, 3].map((r) => rotate(['a', 'b', 'c', 'd'], r))).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'c', 'd', 'a'],
      ['c', 'd', 'a', 'b'],
      ['d', 'a', 'b', 'c'],
    ]);
  });

  it('maps chosen positions back to options', () => {
    // Right answer C (2): shown at position 2, 1, 0, 3 under rotations 0..3.
    expect(rotationCorrectness(2, [2, 1, 0, 3])).toEqual([true, true, true, true]);
    expect(rotationCorrectness(2, [0, 0, 0, 0])).toEqual([false, false, true, false]);
    expect(scoreRotations([false, false, true, false])).toEqual({ mean: 0.25, strict: 0 });
    expect(scoreRotations([true, true, true, true])).toEqual({ mean: 1, strict: 1 });
  });

  it('breaks ties towards the first position shown', () => {
    expect(argmax([1, 3, 3, 0])).toBe(1);
    expect(choicesFromOrderFreeScores([0, 0, 0, 0])).toEqual([0, 0, 0, 0]);
    expect(choicesFromOrderFreeScores([0, 0, 5, 0])).toEqual([2, 1, 0, 3]);
  });

  it('an always-first reader scores 25 % mean and 0 % strict by letter, whatever the right letters', async () => {
    const { result } = await run(alwaysFirst);
    const letter = summarise(result, { seed: 1, bootstrapSamples: 50 }).overall.easy!.letter;
    expect(letter.meanAccuracy.value).toBe(0.25);
    expect(letter.strictAccuracy.value).toBe(0);
    // In the published order only question 0 (answer A) is right.
    expect(letter.publishedOrderAccuracy).toBe(0.25);
  });

  it('an indifferent model (all options equally likely) scores 25 % mean and 0 % strict by both methods', async () => {
    // The cloze prompt does not show the options, so a real model cannot prefer a position there:
    // only ties can, and they go to the first option shown.
    const { result } = await run((_prompt, answers) => answers.map(() => -1));
    const overall = summarise(result, { seed: 1, bootstrapSamples: 50 }).overall;
    for (const method of [overall.easy!.letter, overall.easy!.loglikelihood]) {
      expect(method.meanAccuracy.value).toBe(0.25);
      expect(method.strictAccuracy.value).toBe(0);
    }
  });

  it('a reader that knows the answers is right under every rotation', async () => {
    const { result } = await run(oracle(rightTexts));
    const overall = summarise(result, { seed: 1, bootstrapSamples: 50 }).overall;
    expect(overall.easy!.letter.strictAccuracy.value).toBe(1);
    expect(overall.easy!.loglikelihood.strictAccuracy.value).toBe(1);
    expect(overall.hard!.accuracy.value).toBe(1);
  });

  it('asks one cloze request and four letter requests per Easy question, four per Hard question', async () => {
    const { result, scorer } = await run(alwaysFirst);
    expect(result.requests).toBe(easy.length * 5 + hard.length * 4);
    expect(scorer.calls.map((c) => [c.requests, c.options?.softPrompt])).toEqual([[result.requests, undefined]]);
  });

  it('reports tokenising, then scoring progress up to the total', async () => {
    const seen: string[] = [];
    const scorer = new FakeScorer(alwaysFirst);
    await evaluateCulturalBench(scorer, { easy, hard }, { condition: NONE, datasetCountries: [], onProgress: (done, total, phase) => seen.push(`${phase} ${done}/${total}`) });
    expect(seen).toEqual(['tokenising 36/36', 'scoring 36/36']);
  });

  it('shows the rotated options under letters and tokenises " A" after the prompt', () => {
    const tokenizer = new CharTokenizer();
    const request = buildScoreRequest(tokenizer, [{ role: 'user', content: 'Q?' }], ['A', 'B']);
    expect(tokenizer.decode(request.ids)).toBe('<user>Q?<assistant>');
    expect(request.options.map((o) => tokenizer.decode(o))).toEqual([' A', ' B']);
    expect(continuationText('Answer:\n', 'A')).toBe('A');
    let seen = '';
    const judge: Judge = (prompt, answers) => {
      if (answers[0] === 'A' && prompt.includes('Peruvian dish') && seen === '') seen = prompt;
      return answers.map(() => 0);
    };
    return run(judge).then(() => {
      expect(['A', 'B', 'C', 'D'].map((l) => optionUnderLetter(seen, l))).toEqual(['Tamales', 'Anticuchos', 'Ceviche', 'Lomo saltado']);
    });
  });
});

describe('Hard aggregation', () => {
  it('counts a question only when all four statements are judged right', async () => {
    // Right about everything except question 1's last statement ("Sweets" judged true).
    const judge: Judge = (prompt, answers) => {
      const statement = prompt.match(/Proposed answer: (.*)$/m)?.[1];
      if (statement === 'Sweets') return [0, -1];
      return oracle(rightTexts)(prompt, answers);
    };
    const { result } = await run(judge);
    const summary = summarise(result, { seed: 1, bootstrapSamples: 50 });
    expect(summary.overall.hard!.accuracy.value).toBe(0.75);
    expect(summary.overall.hard!.statementAccuracy).toBe(15 / 16);
    expect(summary.byCountry.Japan.hard!.accuracy.value).toBe(0.5);
    expect(summary.byCountry.Peru.hard!.accuracy.value).toBe(1);
  });

  it('an always-true reader gets no question right', async () => {
    const { result } = await run((_p, answers) => answers.map((a) => (a === 'True' ? 0 : -1)));
    const summary = summarise(result, { seed: 1, bootstrapSamples: 50 });
    expect(summary.overall.hard!.accuracy.value).toBe(0);
    expect(summary.overall.hard!.statementAccuracy).toBe(5 / 16);
  });
});

describe('bootstrap intervals', () => {
  it('matches a hand computation on a tiny case', () => {
    // Draws pick indices 0,0,0 | 1,1,1 | 0,1,2 | 0,0,1 of [1, 0, 0]: means 1, 0, 1/3, 2/3.
    const draws = [0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.1, 0.5, 0.9, 0.1, 0.1, 0.5];
    let next = 0;
    const [low, high] = bootstrapInterval([1, 0, 0], 4, () => draws[next++]);
    // Sorted means [0, 1/3, 2/3, 1]; 2.5 % sits at 0.075 of the way, 97.5 % at 2.925.
    expect(low).toBeCloseTo((1 / 3) * 0.075, 12);
    expect(high).toBeCloseTo(2 / 3 + (1 / 3) * 0.925, 12);
    expect(quantile([0, 10], 0.5)).toBe(5);
  });

  it('is reproducible from the seed and independent per group', () => {
    const values = Array.from({ length: 40 }, (_, i) => ((i * 37) % 11) / 10);
    expect(estimate(values, 7, 'country:Peru')).toEqual(estimate(values, 7, 'country:Peru'));
    expect(estimate(values, 7, 'country:Peru').ci95).not.toEqual(estimate(values, 8, 'country:Peru').ci95);
    expect(estimate(values, 7, 'country:Peru').ci95).not.toEqual(estimate(values, 7, 'country:Japan').ci95);
    const { value, ci95 } = estimate(values, 7, 'overall');
    expect(value).toBeCloseTo(values.reduce((a, b) => a + b) / 40, 12);
    expect(ci95[0]).toBeLessThan(value);
    expect(ci95[1]).toBeGreaterThan(value);
  });

  it('reports per country, per region and overall with counts', async () => {
    const { result } = await run(oracle(rightTexts));
    const summary = summarise(result, { seed: 3, bootstrapSamples: 20 });
    expect(Object.keys(summary.byCountry)).toEqual(['Japan', 'Peru']);
    expect(Object.keys(summary.byRegion)).toEqual(['East Asia', 'Latin America']);
    expect(summary.byRegion['East Asia'].questions).toBe(2);
    expect(summary.overall.questions).toBe(4);
    const table = formatBreakdown(summary);
    expect(table.split('\n')).toHaveLength(6);
    expect(table).toMatch(/^overall\s+4\s+100\.0 \[100\.0, 100\.0\]/m);
  });
});

describe('conditions', () => {
  const prompt = (value: number): SoftPrompt => ({ k: 1, hidden: 4, data: new Float32Array(4).fill(value) });

  it('states the persona as a system message or at the start of the user turn', () => {
    const question = [{ role: 'user' as const, content: 'Q?' }];
    expect(conditionMessages(question, personaFor('system', 'Peru'))).toEqual([{ role: 'system', content: 'You are a person from Peru.' }, ...question]);
    expect(conditionMessages(question, personaFor('user', 'United States'))).toEqual([{ role: 'user', content: 'You are a person from the United States.\n\nQ?' }]);
    expect(conditionMessages(question, {})).toEqual(question);
  });

  it("asks each question with its own country's persona, and with --cross with every other one", async () => {
    const prompts: string[] = [];
    const { result } = await run((p, answers) => (prompts.push(p), alwaysFirst(p, answers)), { text: { style: 'system' } }, true);
    expect(prompts.filter((p) => p.startsWith('<system>You are a person from Japan.') && p.includes('Pisco sour'))).not.toHaveLength(0);
    const cells = crossMatrix(result);
    expect(cells.map((c) => `${c.conditioning}>${c.country}:${c.questions}`)).toEqual(['Japan>Japan:2', 'Japan>Peru:2', 'Peru>Japan:2', 'Peru>Peru:2']);
    expect(cells.every((c) => c.easyLetterMean === 0.25)).toBe(true);
    expect(formatCross(cells).split('\n')).toHaveLength(5);
    // The breakdown keeps only each question's own country.
    expect(summarise(result, { seed: 1, bootstrapSamples: 10 }).overall.questions).toBe(4);
  });

  it('sends each country its own soft prompt, one model call per prompt', async () => {
    const byCountry = new Map([['Japan', prompt(1)], ['Peru', prompt(2)]]);
    const scorer = new FakeScorer(alwaysFirst);
    await evaluateCulturalBench(scorer, { easy, hard }, {
      condition: { soft: { kind: 'per-country', byCountry } },
      datasetCountries: ['Japan', 'Peru'],
      placement: 'after-bos',
    });
    expect(scorer.calls.map((c) => [c.requests, c.options?.softPrompt?.data[0], c.options?.placement])).toEqual([
      [2 * 5 + 2 * 4, 1, 'after-bos'],
      [2 * 5 + 2 * 4, 2, 'after-bos'],
    ]);
  });

  it('asks only the countries a prompt folder covers, then applies the limit', () => {
    const condition: Condition = { soft: { kind: 'per-country', byCountry: new Map([['Peru', prompt(1)]]) } };
    expect(selectQuestions(data, condition, {}).easy.map((q) => q.id)).toEqual([2, 3]);
    expect(selectQuestions(data, condition, { limit: 1 }).hard.map((q) => q.id)).toEqual([2]);
    expect(selectQuestions(data, NONE, { country: 'japan' }).easy.map((q) => q.id)).toEqual([0, 1]);
    expect(() => selectQuestions(data, NONE, { country: 'Atlantis' })).toThrow(/unknown country "Atlantis"; CulturalBench has: Japan, Peru/);
    expect(() => selectQuestions(data, condition, { country: 'Japan' })).toThrow(/no CulturalBench question matches/);
  });

  it('reads a folder of prompts filed by country, and rejects names that are no country', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-soft-'));
    try {
      fs.writeFileSync(path.join(dir, 'peru.npy'), '');
      fs.mkdirSync(path.join(dir, 'South_Korea'));
      fs.writeFileSync(path.join(dir, 'South_Korea', 'adapter_model.safetensors'), '');
      fs.writeFileSync(path.join(dir, 'README.md'), '');
      const read = (file: string) => ({ ...prompt(1), data: new Float32Array([file.length, 0, 0, 0]) });
      const prompts = await softPromptsFromDirectory(dir, 4, read, ['Peru', 'South Korea']);
      expect([...prompts.keys()].sort()).toEqual(['Peru', 'South Korea']);
      fs.writeFileSync(path.join(dir, 'Atlantis.npy'), '');
      await expect(softPromptsFromDirectory(dir, 4, read, ['Peru', 'South Korea'])).rejects.toThrow(/"Atlantis" is not a CulturalBench country/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
