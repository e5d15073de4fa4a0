import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCondition, recordConditions } from '../src/eval/conditions.ts';
import { readEvalRecord } from '../src/eval/eval-record.ts';
import { instrumentFromStored, prepareObjective, type Conditioning } from '../src/instruments/index.ts';
import { loadModel } from '../src/model/llama-model.ts';
import { readRunInfo, readRunPrompt } from '../src/train/run-files.ts';
import { cultune } from './helpers/in-process.ts';
import { CULTURALBENCH_DATA, FIXTURES } from './helpers/paths.ts';
import { makeRunFolder } from './helpers/run-folder.ts';
import { tempDirs } from './helpers/temp-dirs.ts';

const ARGS = ['--culturalbench-data', CULTURALBENCH_DATA, '--limit', '3', '--bootstrap', '200', '--device', 'cpu', '--no-download'];

// A condition added as data: the persona sentence on top of the run's soft prompt, a combination no built-in condition has.
registerCondition('persona+soft', { text: 'persona', soft: true });

describe('a registered condition', () => {
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
});
