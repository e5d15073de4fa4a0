import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { conditioningsFor, type Condition } from '../src/culturalbench/conditions.ts';
import { registerCondition, recordConditions } from '../src/eval/conditions.ts';
import { registerTask, type TaskContext } from '../src/eval/tasks.ts';
import { readEvalRecord } from '../src/eval/eval-record.ts';
import { buildScoreRequest, conditionMessages, instrumentFromStored, prepareObjective, scoreUnderPrompts, softPromptOf, type Conditioning } from '../src/instruments/index.ts';
import type { Scorer } from '../src/model/types.ts';
import { loadModel } from '../src/model/llama-model.ts';
import { readRunInfo, readRunPrompt } from '../src/train/run-files.ts';
import { cultune } from './helpers/in-process.ts';
import { CULTURALBENCH_DATA, FIXTURES } from './helpers/paths.ts';
import { makeRunFolder } from './helpers/run-folder.ts';
import { tempDirs } from './helpers/temp-dirs.ts';

const ARGS = ['--culturalbench-data', CULTURALBENCH_DATA, '--limit', '3', '--bootstrap', '200', '--device', 'cpu', '--no-download'];

// A condition added as data: the persona sentence on top of the run's soft prompt, a combination no built-in condition has.
registerCondition('persona+soft', { text: 'persona', soft: true });

// A task added as data: three true-or-false statements, asked of the record's country under the condition.
const STATEMENTS = [
  { text: 'Tea is a drink.', truth: true },
  { text: 'Fish fly to the moon.', truth: false },
  { text: 'Snow is cold.', truth: true },
];
/** The statements' requests under a condition, for a country: the condition's Conditioning through CulturalBench's own mapping. */
function toyRequests(scorer: Scorer, condition: Condition, country: string, placement: TaskContext['placement']) {
  const [{ conditioning }] = conditioningsFor(condition, country, false, [], placement);
  const requests = STATEMENTS.map((s) => buildScoreRequest(scorer.tokenizer, conditionMessages([{ role: 'user', content: `True or false? ${s.text}` }], conditioning), ['True', 'False'], 'a toy statement'));
  return { requests, ...softPromptOf(conditioning) };
}
const accuracyOf = (logprobs: number[][]) => logprobs.filter((l, i) => l[0] > l[1] === STATEMENTS[i].truth).length / STATEMENTS.length;
registerTask({
  name: 'toy',
  title: 'Toy statements',
  ask: async (scorer, context) => {
    const { requests, softPrompt, placement } = toyRequests(scorer, context.condition, context.target.country.name, context.placement);
    const [logprobs] = await scoreUnderPrompts(scorer, requests, [softPrompt], { placement });
    return { available: true, questions: STATEMENTS.length, scores: { accuracy: { value: accuracyOf(logprobs), ci95: [null, null] } } };
  },
});

describe('a registered condition and a registered task', () => {
  const temp = tempDirs('conditions');
  const model = loadModel(path.join(FIXTURES, 'llama-f32'));
  afterAll(async () => (await model).dispose());

  it('is asked by eval with both its parts, reported beside the built-in ones, and compared with none and persona', async () => {
    expect(recordConditions().at(-1)).toBe('persona+soft');
    expect(() => registerCondition('persona+soft', {})).toThrow(/exists already/);
    const run = path.join(temp(), 'SA-s1');
    makeRunFolder(run, 'SA');
    const evaluated = await cultune(['eval', run, '--conditions', 'none,persona,soft,persona+soft', ...ARGS]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const record = readEvalRecord(path.join(run, 'eval-persona+soft.json'));
    expect(record.condition).toBe('persona+soft');

    // The same loss from the definition: the run's instrument, its target and its prompt, with the persona sentence in the messages.
    const info = readRunInfo(run);
    const prompt = readRunPrompt(run, info);
    const scorer = await model;
    const spec = instrumentFromStored(info.instrument);
    const lossUnder = async (conditioning: Conditioning) => (await prepareObjective(scorer, spec, info.target, { conditioning }).evaluate()).loss.value;
    const soft = { prompt, placement: info.softPrompt.placement };
    const both = await lossUnder({ text: { place: info.target.country.personaName, style: 'user' }, soft });
    expect(record.result.loss.value).toBe(both);
    expect(both).not.toBe(await lossUnder({ soft }));
    expect(both).not.toBe(readEvalRecord(path.join(run, 'eval-persona.json')).result.loss.value);

    const out = path.join(temp(), 'report');
    const report = await cultune(['report', run, '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| SA-s1 \| persona\+soft \| classify \|/);
    expect(markdown).toContain('persona+soft - none');
    expect(markdown).toContain('persona+soft - persona');
    // The trade-off chart draws it with its own colour in the legend.
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(/persona\+soft/);
  }, 120_000);
  it('eval asks a registered task beside the instrument under each condition, and the report lists it', async () => {
    const run = path.join(temp(), 'SA-s1');
    makeRunFolder(run, 'SA');
    const evaluated = await cultune(['eval', run, '--conditions', 'none,soft', '--instruments', 'vsm13,toy', '--bootstrap', '200', '--device', 'cpu', '--no-download']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const info = readRunInfo(run);
    const prompt = readRunPrompt(run, info);
    const scorer = await model;
    for (const [condition, asked] of [['none', {}], ['soft', { soft: { kind: 'single', label: 'run', prompt } }]] as const) {
      const record = readEvalRecord(path.join(run, `eval-${condition}.json`));
      // The same requests scored directly: the accuracy from the definition.
      const { requests, softPrompt, placement } = toyRequests(scorer, asked as Condition, info.target.country.name, info.softPrompt.placement);
      const direct = await scorer.score(requests, { softPrompt, placement });
      expect(record.tasks?.toy).toEqual({ available: true, questions: 3, scores: { accuracy: { value: accuracyOf(direct), ci95: [null, null] } } });
      expect(record.culturalbench.available).toBe(false);
    }
    const out = path.join(temp(), 'report');
    expect((await cultune(['report', run, '--out', out])).code).toBe(0);
    const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## Other tasks');
    expect(markdown).toMatch(/\| SA-s1 \| Saudi Arabia \| soft \| toy \| 3 \| accuracy \|/);
    const unknown = await cultune(['eval', run, '--instruments', 'vsm13,trivia', ...ARGS]);
    expect(unknown.stderr).toMatch(/--instruments: trivia is neither this evaluation's instrument \(vsm13\) nor a task \(culturalbench, toy\)/);
  }, 120_000);
});
