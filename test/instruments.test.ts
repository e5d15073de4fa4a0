import fs from 'node:fs';
import { calibrationCacheDir } from '../src/instruments/vsm13/calibration.ts';
import { readSettings } from '../src/util/settings.ts';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCulturalBench, type HardQuestion } from '../src/culturalbench/index.ts';
import { hardBody } from '../src/culturalbench/prompts.ts';
import { evaluateSubject, runSubject } from '../src/eval/evaluate-run.ts';
import {
  buildScoreRequest,
  instrumentNamed,
  prepareInstrument,
  registerInstrument,
  type Instrument,
  type InstrumentResult,
} from '../src/instruments/index.ts';
import { ANSWER_READERS, meanAnswerPerItem, PHRASINGS, respondentVariants, scaleQuestion, SURVEY_OPTIONS, surveySettings, type SurveySettings } from '../src/instruments/survey/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { loadModel, type ChatMessage, type LlamaModel, type ScoreRequest, type Scorer, type TextTokenizer } from '../src/model/index.ts';
import { HuggingFaceTokenizer } from '../src/model/tokenizer.ts';
import { collectReport } from '../src/report/report-data.ts';
import { reportCsv } from '../src/report/report-tables.ts';
import { resolveTarget, targetValues, type ReferenceTable } from '../src/targets/index.ts';
import { newRunInfo, runDefinition } from '../src/train/new-run.ts';
import { train } from '../src/train/train.ts';
import { FIXTURES } from './helpers/paths.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');

describe('the one request builder', () => {
  const hf = HuggingFaceTokenizer.fromFolder(MODEL);
  // The fixture's template ends in whitespace ("assistant<|end_header_id|>\n\n"); a Llama-2 style one ends in "]".
  const llama2: TextTokenizer = {
    encode: (text, options) => hf.encode(text, options),
    decode: (ids) => hf.decode(ids),
    continuationIds: (prompt, continuation) => hf.continuationIds(prompt, continuation),
    applyChatTemplate: (messages) => messages.map((m) => `[INST] ${m.content} [/INST]`).join(''),
    vocabSize: hf.vocabSize,
  };
  const messages = [{ role: 'user' as const, content: 'How important is it?\n1 = very\n10 = not at all' }];

  for (const [name, tokenizer, delimiter] of [['whitespace', hf, ''], ['a visible character', llama2, ' ']] as const) {
    it(`tokenises prompt + answer and scores what follows the prompt (lm-evaluation-harness), after a template ending in ${name}`, () => {
      const prompt = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
      const promptIds = tokenizer.encode(prompt, { addSpecialTokens: false });
      expect(/\s$/.test(prompt)).toBe(delimiter === '');
      const request = buildScoreRequest(tokenizer, messages, ['1', '10', 'A']);
      expect(request.ids).toEqual(promptIds);
      for (const [i, answer] of ['1', '10', 'A'].entries()) {
        const whole = tokenizer.encode(`${prompt}${delimiter}${answer}`, { addSpecialTokens: false });
        expect(whole.slice(0, promptIds.length)).toEqual(promptIds);
        expect(request.options[i]).toEqual(whole.slice(promptIds.length));
      }
      // Every token of an answer is scored, so "1" and "10" stay two answers whatever their first tokens.
      expect(request.options[1]).not.toEqual(request.options[0]);
    });
  }
  const tokenizer = hf;

  it('builds the survey questions and CulturalBench questions the same way', async () => {
    // Both continue the prompt by the rule above: check each against tokenising prompt + " " + answer.
    // The fixture's template ends in whitespace: the answer follows it directly.
    const following = (messages: ChatMessage[], answer: string) => {
      const text = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
      return tokenizer.encode(`${text}${answer}`, { addSpecialTokens: false }).slice(tokenizer.encode(text, { addSpecialTokens: false }).length);
    };
    const prepared = prepareInstrument(tokenizer, { instrument: VSM13, settings: VSM13.settings({ variants: '1' }) }, undefined);
    expect(prepared.requests[0].options).toEqual(prepared.questions[0].answerKeys.map((key) => following(prepared.questions[0].messages, key)));

    const seen: ScoreRequest[] = [];
    const recorder: Scorer = { hidden: 4, tokenizer, score: async (requests) => (seen.push(...requests), requests.map((r) => r.options.map(() => 0))) };
    const hard: HardQuestion = { id: 0, country: 'Japan', question: 'What do people eat at New Year?', statements: [{ text: 'Osechi', isTrue: true }, { text: 'Turkey', isTrue: false }, { text: 'Mochi', isTrue: true }, { text: 'Tacos', isTrue: false }] };
    await evaluateCulturalBench(recorder, { easy: [], hard: [hard] }, { condition: {}, datasetCountries: ['Japan'] });
    const body = [{ role: 'user' as const, content: hardBody(hard.question, 'Osechi') }];
    expect(seen[0]).toEqual(buildScoreRequest(tokenizer, body, ['True', 'False']));
    expect(seen[0].options).toEqual([following(body, 'True'), following(body, 'False')]);
  });

  it('refuses answers that tokenise the same', () => {
    expect(() => buildScoreRequest(tokenizer, [{ role: 'user', content: 'Q?' }], ['yes', 'yes'])).toThrow(/"yes" and "yes" of a question tokenise the same/);
  });
});

/**
 * A toy fourth instrument, registered here and nowhere else: two items on a three-point scale, scored
 * as their mean answers, compared with a two-country table by mean absolute difference.
 */
const TOY_ITEMS = [
  { id: 'calm', question: 'How calm is daily life where you live?', labels: ['calm', 'mixed', 'hectic'] },
  { id: 'tea', question: 'How often do you drink tea?', labels: ['rarely', 'sometimes', 'daily'] },
];
const TOY_TABLE: ReferenceTable = {
  title: 'toy table',
  naming: { names: ['CALM', 'TEA'], parse: (name) => ({ calm: 'CALM', tea: 'TEA' })[name.toLowerCase()] },
  rowOf: (place) => (place?.iso2 === 'JP' ? { code: 'JP', name: 'Japan', values: { CALM: 1.5, TEA: 2.8 } } : undefined),
  regionRowOf: () => undefined,
  ownNames: () => [],
};
type ToyScores = { means: number[] };
const TOY: Instrument<SurveySettings, ToyScores> = {
  name: 'toy',
  title: 'Toy survey',
  columns: [{ name: 'CALM', title: 'calm', digits: 2 }, { name: 'TEA', title: 'tea', digits: 2 }],
  options: SURVEY_OPTIONS,
  table: TOY_TABLE,
  settings: surveySettings,
  target: (request) => resolveTarget(TOY_TABLE, request),
  questions: (settings) => respondentVariants(settings.variants, PHRASINGS).flatMap((v) => TOY_ITEMS.map((item) => scaleQuestion(item, v, 'a toy survey'))),
  scores: (questions, distributions, settings) => ({ means: meanAnswerPerItem(TOY_ITEMS.map((i) => i.id), questions, distributions, ANSWER_READERS[settings.answer]) }),
  named: (scores) => ({ CALM: scores.means[0], TEA: scores.means[1] }),
  loss: (scores, target) => {
    const t = targetValues(target);
    const difference = { CALM: scores.means[0] - t.CALM, TEA: scores.means[1] - t.TEA };
    const perScore = { CALM: Math.abs(difference.CALM), TEA: Math.abs(difference.TEA) };
    return { value: (perScore.CALM + perScore.TEA) / 2, metric: 'l1', perScore, difference, missing: [] };
  },
  describeSettings: (settings) => [`${settings.variants} respondent variants`],
};

describe('a fourth instrument, registered by a test', () => {
  let work: string;
  let model: LlamaModel;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-toy-'));
    registerInstrument(TOY);
    model = await loadModel(MODEL, { device: 'cpu' });
  });
  afterAll(async () => {
    await model.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('is found by name and refuses a second registration', () => {
    expect(instrumentNamed('toy')).toBe(TOY);
    expect(() => registerInstrument(TOY)).toThrow(/registered already/);
    expect(() => instrumentNamed('toys')).toThrow(/unknown instrument "toys"; cultune has vsm13, .*toy/);
  });

  it('trains, evaluates and reports through the generic layers', async () => {
    const spec = { instrument: TOY, settings: TOY.settings({ variants: '2' }) };
    const target = TOY.target({ country: 'Japan' });
    expect(targetValues(target)).toEqual({ CALM: 1.5, TEA: 2.8 });
    const definition = runDefinition('Japan', target, {
      instrument: spec,
      softPrompt: { k: 2, init: 'vocab', placement: 'start' },
      search: { space: 'subspace', dim: 8, strategy: 'shade', pop: 4, budget: 8, seed: 5 },
    });
    const dir = path.join(work, 'JP-toy');
    const info = newRunInfo(definition, model, 'test');
    const result = await train(dir, info, model, { calibrationCacheDir: calibrationCacheDir(readSettings()) });
    expect(result.history).toHaveLength(2);
    const best: InstrumentResult = result.best;
    expect(best.instrument).toBe('toy');
    expect(Object.keys(best.scores)).toEqual(['CALM', 'TEA']);
    for (const v of Object.values(best.scores)) expect(v >= 1 && v <= 3).toBe(true);
    expect(best.loss.value).toBeCloseTo((Math.abs(best.scores.CALM - 1.5) + Math.abs(best.scores.TEA - 2.8)) / 2, 12);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).instrument).toEqual({ name: 'toy', settings: { variants: 2, answer: 'expected' }, format: { name: 'classify' } });

    // eval re-scores the saved prompt alone: the loss training recorded, up to batching rounding.
    const unavailable = { available: false as const, reason: 'not in this test' };
    const { record } = await evaluateSubject(model, runSubject(dir, 'soft'), { culturalBench: unavailable, seed: '0', bootstrap: 10, version: 'test' });
    expect(Math.abs(record.result.loss.value - best.loss.value)).toBeLessThan(1e-5);
    await evaluateSubject(model, runSubject(dir, 'persona'), { culturalBench: unavailable, seed: '0', bootstrap: 10, version: 'test' });

    const data = collectReport([dir]);
    expect(data.rows.map((r) => [r.instrument, r.condition])).toEqual([['toy', 'persona'], ['toy', 'soft']]);
    const csv = reportCsv(data).split('\n');
    expect(csv[0]).toContain('model_CALM,model_TEA,target_CALM,target_TEA');
    expect(csv[2]).toContain(`,${record.result.scores.CALM},${record.result.scores.TEA},1.5,2.8,`);
  });
});
