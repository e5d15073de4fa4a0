import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCulturalBench, parseEasyCsv, parseHardCsv, regionOf } from '../src/culturalbench/index.ts';
import { UserError } from '../src/util/errors.ts';
import { CULTURALBENCH_DATA, SHARED as SHARED_ROOT } from './helpers/paths.ts';

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
    const easy = parseEasyCsv(fixture('easy-small.csv'), 'easy-small.csv');
    expect(easy.map((q) => q.answer)).toEqual([0, 1, 2, 3]);
    expect(easy[1].question.split('\n')).toHaveLength(6);
    expect(easy[1].options).toEqual(['i, iii', 'i, ii', 'ii, iv', 'iii, iv']);
    expect(easy.map((q) => q.country)).toEqual(['Japan', 'Japan', 'Peru', 'Peru']);
  });

  it('groups Hard rows four per question', () => {
    const hard = parseHardCsv(fixture('hard-small.csv'), 'hard-small.csv');
    expect(hard).toHaveLength(4);
    expect(hard[1].statements.map((s) => s.isTrue)).toEqual([true, true, false, false]);
    expect(hard[3].statements[3]).toEqual({ text: 'Pisco sour', isTrue: true });
  });

  it('names the file and line of a truncated quoted field', () => {
    expect(parseError(parseEasyCsv, 'easy-truncated.csv')).toMatch(/^easy-truncated\.csv: line 4: malformed CSV: a quoted field is never closed/);
  });

  it('names the starting line of a bad record after a multi-line record', () => {
    expect(parseError(parseEasyCsv, 'easy-bad-answer.csv')).toBe('easy-bad-answer.csv: line 9: answer "E" is not one of A, B, C, D');
  });

  it('rejects a Hard question with fewer than four statements', () => {
    expect(parseError(parseHardCsv, 'hard-missing-row.csv')).toBe(
      'hard-missing-row.csv: line 10: question 2 has 2 statement(s); expected 4 (truncated file?)',
    );
    expect(parseError(parseHardCsv, 'hard-bad-truth.csv')).toBe('hard-bad-truth.csv: line 8: answer "maybe" is not TRUE or FALSE');
  });

  it('rejects missing columns, ragged rows and empty files', () => {
    expect(() => parseEasyCsv('question_idx,prompt_question\n0,q\n', 'x.csv')).toThrow(/x\.csv: line 1: missing column\(s\) prompt_option_a/);
    expect(() => parseHardCsv(fixture('hard-small.csv').replace('12,3,', '12,3,extra,'), 'y.csv')).toThrow(/y\.csv: line 14: malformed CSV/);
    expect(() => parseEasyCsv('', 'z.csv')).toThrow(/z\.csv: no data rows/);
  });

  it('loads the repository\'s copy with --data: Easy as published, the Hard slice', async () => {
    const data = await loadCulturalBench({ dataDir: CULTURALBENCH_DATA });
    expect(data.easy).toHaveLength(1227);
    expect(data.easy.filter((q) => q.answer === 0)).toHaveLength(658);
    expect(data.files[0].sha256).toBe('d37576cadd51da986b15973f2e85d2c161fdef309cb8173d2bb260f4418f7e31');
    // The slice (PROVENANCE.md): questions 0-59 and every Japan, Peru and Saudi Arabia question.
    const kept = new Set(data.easy.filter((q) => q.id < 60 || ['Japan', 'Peru', 'Saudi Arabia'].includes(q.country)).map((q) => q.id));
    expect(data.hard.map((q) => q.id)).toEqual(data.easy.map((q) => q.id).filter((id) => kept.has(id)));
  });

  it.skipIf(!fs.existsSync(SHARED))('loads the ../shared copies with --data (the published counts and letter bias)', async () => {
    const data = await loadCulturalBench({ dataDir: SHARED });
    expect(data.easy).toHaveLength(1227);
    expect(data.hard).toHaveLength(1227);
    expect(new Set(data.easy.map((q) => q.country)).size).toBe(45);
    expect(data.easy.filter((q) => q.country === 'China')).toHaveLength(59);
    expect(data.easy.filter((q) => q.answer === 0)).toHaveLength(658);
    expect(data.easy.every((q) => regionOf(q.country) !== 'Other')).toBe(true);
    expect(data.hard.map((q) => q.id)).toEqual(data.easy.map((q) => q.id));
    expect(data.files.map((f) => [f.kind, f.origin, f.sha256])).toEqual([
      ['easy', 'local', 'd37576cadd51da986b15973f2e85d2c161fdef309cb8173d2bb260f4418f7e31'],
      ['hard', 'local', '4bfe770b7a18d912479f725afc7816c6720f650bbfa6822bf6e723a479c896d9'],
    ]);
  });

  it('says which file a --data folder lacks', async () => {
    await expect(loadCulturalBench({ dataDir: FIXTURES })).rejects.toThrow(/has no CulturalBench-Easy\.csv/);
  });
});
