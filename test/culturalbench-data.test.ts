import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCulturalBench, parseEasyCsv, parseHardCsv, regionOf } from '../src/culturalbench/index.ts';
import { describeSetAside } from '../src/util/set-aside.ts';
import { UserError } from '../src/util/errors.ts';
import { CULTURALBENCH_DATA, SHARED as SHARED_ROOT } from './helpers/paths.ts';
import { readSettings } from '../src/util/settings.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'culturalbench');
const SHARED = path.join(SHARED_ROOT, 'data', 'culturalbench');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

function parseError(parse: (text: string, file: string) => unknown, name: string): string {
  try {
    parse(fixture(name), name);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error(`${name} parsed without error`);
}

describe('CulturalBench CSV parsing', () => {
  it('reads Easy questions with multi-line questions and quoted commas', () => {
    const { questions: easy, setAside } = parseEasyCsv(fixture('easy-small.csv'), 'easy-small.csv');
    expect(setAside).toEqual([]);
    expect(easy.map((q) => q.answer)).toEqual([0, 1, 2, 3]);
    expect(easy[1].question.split('\n')).toHaveLength(6);
    expect(easy[1].options).toEqual(['i, iii', 'i, ii', 'ii, iv', 'iii, iv']);
    expect(easy.map((q) => q.country)).toEqual(['Japan', 'Japan', 'Peru', 'Peru']);
  });

  it('groups Hard rows four per question', () => {
    const { questions: hard } = parseHardCsv(fixture('hard-small.csv'), 'hard-small.csv');
    expect(hard).toHaveLength(4);
    expect(hard[1].statements.map((s) => s.isTrue)).toEqual([true, true, false, false]);
    expect(hard[3].statements[3]).toEqual({ text: 'Pisco sour', isTrue: true });
  });

  it('names the file and line of a truncated quoted field', () => {
    expect(parseError(parseEasyCsv, 'easy-truncated.csv')).toMatch(/^easy-truncated\.csv: line 4: malformed CSV: a quoted field is never closed/);
  });

  it('sets a bad Easy row aside with its starting line (after a multi-line record) and reads on', () => {
    const { questions, setAside } = parseEasyCsv(fixture('easy-bad-answer.csv'), 'easy-bad-answer.csv');
    expect(questions.map((q) => q.id)).toEqual([0, 1, 3]);
    expect(setAside).toEqual([{ source: 'easy-bad-answer.csv', id: '2', line: 9, country: 'Peru', reason: 'answer "E" is not one of A, B, C, D' }]);
  });

  it('sets aside Easy questions whose options repeat, naming the letters and the text', () => {
    const { questions, setAside } = parseEasyCsv(fixture('easy-repeated-options.csv'), 'easy-repeated-options.csv');
    expect(questions.map((q) => q.id)).toEqual([0, 3]);
    expect(setAside).toEqual([
      { source: 'easy-repeated-options.csv', id: '671', line: 3, country: 'Spain', reason: 'options repeat: B and C are both "Madrid"' },
      { source: 'easy-repeated-options.csv', id: '314', line: 5, country: 'Germany', reason: 'options repeat: A and D are both "i, iii, iv"' },
    ]);
    expect(describeSetAside(setAside)).toBe('2 items set aside (2 options repeat)');
  });

  it('sets aside a Hard question with fewer than four statements or a bad truth value, and reads on', () => {
    const missing = parseHardCsv(fixture('hard-missing-row.csv'), 'hard-missing-row.csv');
    expect(missing.setAside).toEqual([{ source: 'hard-missing-row.csv', id: '2', line: 10, country: 'Peru', reason: 'question 2 has 2 statement(s); expected 4 (truncated file?)' }]);
    expect(missing.questions.map((q) => q.id)).toEqual(
      [...new Set(fixture('hard-missing-row.csv').trim().split('\n').slice(1).map((line) => Number(line.split(',')[1])))].filter((id) => id !== 2),
    );
    const badTruth = parseHardCsv(fixture('hard-bad-truth.csv'), 'hard-bad-truth.csv');
    expect(badTruth.setAside).toEqual([{ source: 'hard-bad-truth.csv', id: '1', line: 6, country: 'Japan', reason: 'answer "maybe" is not TRUE or FALSE' }]);
  });

  it('sets aside a Hard question that gives one statement as both true and false', () => {
    const rows = ['data_idx,question_idx,prompt_question,prompt_option,answer,country'];
    ['Madrid', 'Seville', 'Madrid', 'Bilbao'].forEach((text, i) => rows.push(`${i},7,Which city?,${text},${i === 0 ? 'TRUE' : 'FALSE'},Spain`));
    ['Madrid', 'Madrid', 'Seville', 'Bilbao'].forEach((text, i) => rows.push(`${4 + i},8,Which city?,${text},${i === 3 ? 'TRUE' : 'FALSE'},Spain`));
    const { questions, setAside } = parseHardCsv(`${rows.join('\n')}\n`, 'h.csv');
    expect(setAside.map((s) => [s.id, s.reason])).toEqual([['7', 'statement "Madrid" is given as both true and false']]);
    // A repeated statement with the same truth value can still be judged: kept.
    expect(questions.map((q) => q.id)).toEqual([8]);
  });

  it('rejects missing columns, ragged rows and empty files', () => {
    expect(() => parseEasyCsv('question_idx,prompt_question\n0,q\n', 'x.csv')).toThrow(/x\.csv: line 1: missing column\(s\) prompt_option_a/);
    expect(() => parseHardCsv(fixture('hard-small.csv').replace('12,3,', '12,3,extra,'), 'y.csv')).toThrow(/y\.csv: line 14: malformed CSV/);
    expect(() => parseEasyCsv('', 'z.csv')).toThrow(/z\.csv: no data rows/);
  });

  it('loads the repository\'s copy with --data: Easy as published, the Hard slice', async () => {
    const data = await loadCulturalBench(readSettings(), { dataDir: CULTURALBENCH_DATA });
    // The published file's two questions with repeated options (314 Germany, 671 Spain) are set aside.
    expect(data.easy).toHaveLength(1225);
    expect(data.setAside.map((s) => [s.source, s.id])).toEqual([['CulturalBench-Easy.csv', '314'], ['CulturalBench-Easy.csv', '671']]);
    expect(data.easy.filter((q) => q.answer === 0)).toHaveLength(656);
    expect(data.files[0].sha256).toBe('d37576cadd51da986b15973f2e85d2c161fdef309cb8173d2bb260f4418f7e31');
    // The slice (PROVENANCE.md): questions 0-59 and every Japan, Peru and Saudi Arabia question.
    const kept = new Set(data.easy.filter((q) => q.id < 60 || ['Japan', 'Peru', 'Saudi Arabia'].includes(q.country)).map((q) => q.id));
    expect(data.hard.map((q) => q.id)).toEqual(data.easy.map((q) => q.id).filter((id) => kept.has(id)));
  });

  it.skipIf(!fs.existsSync(SHARED))('loads the ../shared copies with --data (the published counts and letter bias)', async () => {
    const data = await loadCulturalBench(readSettings(), { dataDir: SHARED });
    expect(data.easy).toHaveLength(1225);
    expect(data.setAside.map((s) => [s.source, s.id, s.reason])).toEqual([
      ['CulturalBench-Easy.csv', '314', 'options repeat: A and D are both "i, iii, iv"'],
      ['CulturalBench-Easy.csv', '671', 'options repeat: B and C are both "Madrid"'],
    ]);
    expect(data.hard).toHaveLength(1227);
    expect(new Set(data.easy.map((q) => q.country)).size).toBe(45);
    expect(data.easy.filter((q) => q.country === 'China')).toHaveLength(59);
    expect(data.easy.filter((q) => q.answer === 0)).toHaveLength(656);
    expect(data.easy.every((q) => regionOf(q.country) !== 'Other')).toBe(true);
    expect(data.hard.map((q) => q.id).filter((id) => id !== 314 && id !== 671)).toEqual(data.easy.map((q) => q.id));
    expect(data.files.map((f) => [f.kind, f.origin, f.sha256])).toEqual([
      ['easy', 'local', 'd37576cadd51da986b15973f2e85d2c161fdef309cb8173d2bb260f4418f7e31'],
      ['hard', 'local', '4bfe770b7a18d912479f725afc7816c6720f650bbfa6822bf6e723a479c896d9'],
    ]);
  });

  it('says which file a --data folder lacks', async () => {
    await expect(loadCulturalBench(readSettings(), { dataDir: FIXTURES })).rejects.toThrow(/has no CulturalBench-Easy\.csv/);
  });
});
