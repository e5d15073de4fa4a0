import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerDistributions } from '../src/instruments/survey/answers.ts';
import { buildScoreRequest, prepareObjective, resultOf, type InstrumentSpec } from '../src/instruments/index.ts';
import { IW_MAP } from '../src/instruments/iw-map/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { loadModel, type LlamaModel } from '../src/model/llama-model.ts';
import type { SoftPrompt } from '../src/model/types.ts';
import type { Target } from '../src/targets/index.ts';
import { makeGround, removeGround, type Ground } from './helpers/bad-inputs.ts';
import { greedyByRescoring } from './helpers/greedy-reference.ts';

/** The instructions and read-out line as docs/instruments.md gives them, written out here rather than imported. */
const INSTRUCTIONS: Record<string, string> = {
  cot: 'Before you give your answer, think it through step by step in a few short sentences.',
  scenario: 'Before you give your answer, say in one or two sentences, in your own words, what you would do or feel in such a situation in your everyday life.',
};
const READ_OUT = '\n\nSo my answer is';
const MAX_NEW_TOKENS = 5;

let ground: Ground;
let model: LlamaModel;
beforeAll(async () => {
  ground = makeGround('formats');
  model = await loadModel(ground.model, { device: 'cpu', cacheDir: ground.cache });
});
afterAll(async () => {
  await model?.dispose();
  removeGround(ground);
});

function softPrompt(k: number, seed: number): SoftPrompt {
  const data = Float32Array.from({ length: k * model.hidden }, (_, i) => Math.cos(seed * 3.1 + i * 0.7) * 0.05);
  return { k, hidden: model.hidden, data };
}

const vsm13 = (format?: InstrumentSpec['format']): InstrumentSpec => ({ instrument: VSM13, settings: VSM13.settings({ variants: '1', constants: 'zero' }), format });
const japan = (): Target => VSM13.target({ country: 'JP' });

describe('classify', () => {
  it('reads the same numbers, bit for bit, as scoring the requests built from the questions', async () => {
    const prompt = softPrompt(2, 1);
    const settings = VSM13.settings({ variants: '1', constants: 'zero' });
    const spec = vsm13({ name: 'classify' });
    const target = japan();
    const questions = VSM13.questions(settings, target);
    const requests = questions.map((q) => buildScoreRequest(model.tokenizer, q.messages, q.answerKeys));
    const logprobs = await model.score(requests, { softPrompt: prompt });
    const distributions = answerDistributions(logprobs);
    const details = VSM13.scores(questions, distributions, settings, target);
    // The per-respondent breakdown rides along (its values are tested in stats.test.ts).
    const breakdown = VSM13.breakdown!;
    const units = { unit: breakdown.unit, values: breakdown.units(questions, distributions, settings, target) };
    const expected = resultOf(spec, { details, scores: VSM13.named(details, settings), units }, target);
    for (const format of [{ name: 'classify' }, undefined]) {
      const objective = prepareObjective(model, vsm13(format), target);
      expect(objective.prepared.requests).toEqual(requests);
      expect(await objective.evaluate(prompt)).toEqual(expected);
    }
  });
});

describe.each(['cot', 'scenario'])('%s', (name) => {
  const format = { name, maxNewTokens: MAX_NEW_TOKENS };

  it('reads the options after the greedy text and the read-out line, as a decode without a KV cache gives them', async () => {
    const prompt = softPrompt(3, 2);
    const target = IW_MAP.target({ country: 'JP' });
    const settings = IW_MAP.settings({ variants: '1' });
    const spec: InstrumentSpec = { instrument: IW_MAP, settings, format };
    const questions = IW_MAP.questions(settings, target);
    const requests = [];
    for (const q of questions) {
      const messages = q.messages.map((m) => ({ ...m, content: `${m.content}\n\n${INSTRUCTIONS[name]}` }));
      const ids = model.tokenizer.encode(model.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }), { addSpecialTokens: false });
      const text = model.tokenizer.decode(await greedyByRescoring(model, ids, prompt, 'start', MAX_NEW_TOKENS, model.stopTokenIds));
      expect(text.length).toBeGreaterThan(0);
      requests.push(buildScoreRequest(model.tokenizer, messages, q.answerKeys, 'a question', text + READ_OUT));
    }
    const expected = await model.score(requests, { softPrompt: prompt });
    const objective = prepareObjective(model, spec, target);
    const [got] = await objective.prepared.logprobs(model, [prompt]);
    expect(got).toEqual(expected);
    // The text changes the reading: classify's log-probs differ.
    const [classify] = await prepareObjective(model, { ...spec, format: undefined }, target).prepared.logprobs(model, [prompt]);
    expect(classify).not.toEqual(expected);
  });

  it('gives bit-identical results on a second run, and a candidate reads the same alone as in a population', async () => {
    const prompts = [softPrompt(2, 3), softPrompt(2, 4), softPrompt(2, 5)];
    const objective = prepareObjective(model, vsm13(format), japan());
    const first = await objective.evaluateMany(prompts);
    expect(await objective.evaluateMany(prompts)).toEqual(first);
    expect(await objective.evaluate(prompts[1])).toEqual(first[1]);
    expect(first[0].loss.value).not.toBe(first[1].loss.value);
  });
});
