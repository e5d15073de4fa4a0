import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../src/cli/commands/culturalbench.ts';
import { evaluateCulturalBench, parseEasyCsv, type CulturalBenchReport, type EasyQuestion } from '../src/culturalbench/index.ts';
import { CharTokenizer, FakeScorer, alwaysFirst } from './fixtures/culturalbench/fake-model.ts';
import { commandOutput } from './helpers/command-output.ts';
import { CULTURALBENCH_DATA, FIXTURES, SHARED } from './helpers/paths.ts';
import { tempDirs } from './helpers/temp-dirs.ts';

const MODEL_DIR = path.join(FIXTURES, 'llama-f32');
const SHARED_DATA = path.join(SHARED, 'data', 'culturalbench');

const cultune = (...args: string[]) => commandOutput(register, ['culturalbench', ...args]);
const tempDir = tempDirs('set-aside');

/** The questions of a published Easy file whose options repeat, found here from the definition. */
function repeatedOptionIds(file: string): string[] {
  const { questions, setAside } = parseEasyCsv(fs.readFileSync(file, 'utf8'), file);
  expect(questions.every((q) => new Set(q.options).size === 4)).toBe(true);
  return setAside.map((s) => s.id as string);
}

it.skipIf(fs.existsSync(SHARED_DATA))('the ../shared CulturalBench copies are absent: their run is skipped', () => {});

describe('CulturalBench questions that cannot be asked are set aside, never abort the run', () => {
  it.each([
    ['the repository copy of the published Easy file', CULTURALBENCH_DATA],
    ...(fs.existsSync(SHARED_DATA) ? [['the ../shared copies', SHARED_DATA]] : []),
  ])('culturalbench runs to the end on Germany and Spain in %s, listing the set-aside questions', async (_label, dataDir) => {
    expect(repeatedOptionIds(path.join(dataDir, 'CulturalBench-Easy.csv'))).toEqual(['314', '671']);
    for (const [country, id] of [['Germany', '314'], ['Spain', '671']]) {
      const output = path.join(tempDir(), 'out.json');
      const printed = await cultune('--model', MODEL_DIR, '--device', 'cpu', '--culturalbench-data', dataDir, '--country', country, '--limit', '3', '--output', output, '--bootstrap', '20');
      expect(printed).toContain('1 item set aside (1 options repeat): listed under "setAside"');
      const report = JSON.parse(fs.readFileSync(output, 'utf8')) as CulturalBenchReport;
      expect(report.setAside.map((s) => [s.id, s.country])).toEqual([[id, country]]);
      expect(report.results.byCountry[country].easy!.letter.questions).toBe(3);
    }
  });

  it("sets aside a question whose options this model's tokenizer cannot tell apart, and asks the rest", async () => {
    // A tokenizer that ignores case: "Madrid" and "MADRID" become the same tokens after the prompt.
    class CaseBlindTokenizer extends CharTokenizer {
      override continuationIds(_prompt: string, continuation: string): number[] {
        return this.encode(continuation.toLowerCase());
      }
    }
    const scorer = new FakeScorer(alwaysFirst);
    Object.defineProperty(scorer, 'tokenizer', { value: new CaseBlindTokenizer() });
    const question = (id: number, options: EasyQuestion['options']): EasyQuestion => ({ id, question: `Q${id}?`, options, answer: 0, country: 'Spain' });
    const easy = [question(1, ['Seville', 'Madrid', 'MADRID', 'Bilbao']), question(2, ['Seville', 'Madrid', 'Valencia', 'Bilbao'])];
    const progress: string[] = [];
    const result = await evaluateCulturalBench(scorer, { easy, hard: [] }, {
      condition: { text: { style: 'system' } },
      cross: true,
      datasetCountries: ['Spain', 'Peru'],
      onProgress: (done, total, phase) => progress.push(`${phase} ${done}/${total}`),
    });
    // Set aside once, though --cross asks it under two personas; the other question is asked under both.
    expect(result.setAside).toEqual([
      { source: 'CulturalBench-Easy', id: '1', line: null, country: 'Spain', reason: 'answers tokenise the same for this model: "Madrid" and "MADRID"' },
    ]);
    expect(result.easy.map((o) => [o.questionId, o.conditioning])).toEqual([[2, 'Spain'], [2, 'Peru']]);
    expect(result.requests).toBe(2 * 5);
    expect(progress.filter((p) => p.startsWith('tokenising')).at(-1)).toBe('tokenising 10/10');
  });
});
