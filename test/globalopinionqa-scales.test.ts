import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerScale, onScale, ORDINAL_SCALES, parseOpinionPairsJson } from '../src/instruments/globalopinionqa/index.ts';
import { SHARED } from './helpers/paths.ts';

const SUBSET = path.join(SHARED, 'data/globalopinionqa/awesel_eval_subset.json');

/** Every distinct option set of the shared GlobalOpinionQA subset, as cultune reads its options. */
function optionSets(): string[][] {
  const questions = parseOpinionPairsJson(fs.readFileSync(SUBSET, 'utf8'), 'subset');
  return [...new Set(questions.map((q) => JSON.stringify(q.options)))].map((key) => JSON.parse(key) as string[]);
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

describe('the table of ordered answer scales', () => {
  it('holds each scale once, every label once', () => {
    for (const scale of ORDINAL_SCALES) expect(new Set(scale).size, scale.join(' / ')).toBe(scale.length);
    expect(new Set(ORDINAL_SCALES.map((scale) => [...scale].sort().join('\u0000'))).size).toBe(ORDINAL_SCALES.length);
  });

  it('reads a scale by its set of labels: the order they are listed in, and answers off the scale, do not matter', () => {
    const scale = answerScale(['Not at all', 'DK/Refused', 'Great deal', 'Not too much', 'Fair amount', 'Both (VOL)']);
    expect(scale).toEqual({ kind: 'ordinal', size: 4, positions: [3, null, 0, 2, 1, null] });
    expect(answerScale(['Yes', 'No', "Don't know", 'No answer'])).toEqual({ kind: 'binary', size: 2, positions: [0, 1, null, null] });
    expect(answerScale(['France', 'China', 'India'])).toEqual({ kind: 'nominal' });
    // A scale with one of its labels missing is no scale of the table.
    expect(answerScale(['Great deal', 'Fair amount', 'Not at all'])).toEqual({ kind: 'nominal' });
  });
});

describe.skipIf(!fs.existsSync(SUBSET))('the table against the shared GlobalOpinionQA subset', () => {
  // skipIf still collects the suite's body: read the file only where it is.
  const sets = fs.existsSync(SUBSET) ? optionSets() : [];
  const scaled = (options: readonly string[]) => options.filter(onScale);

  it('every scale of the table occurs in the file', () => {
    for (const scale of ORDINAL_SCALES) expect(sets.some((options) => sameSet(scaled(options), scale)), scale.join(' / ')).toBe(true);
  });

  it('every option set whose answers on the scale are a scale of the table reads as that scale, in the table order', () => {
    let ordinal = 0;
    for (const options of sets) {
      const scale = ORDINAL_SCALES.find((s) => sameSet(scaled(options), s));
      const read = answerScale(options);
      if (!scale) {
        expect(read.kind, options.join(' / ')).not.toBe('ordinal');
        continue;
      }
      ordinal++;
      expect(read, options.join(' / ')).toEqual({ kind: 'ordinal', size: scale.length, positions: options.map((o) => (onScale(o) ? scale.indexOf(o) : null)) });
    }
    expect(ordinal).toBeGreaterThan(0);
  });

  it('the scales the keyword rule missed read as ordered: "Great deal / Fair amount / Not too much / Not at all" and the ten-point scales', () => {
    const greatDeal = sets.filter((options) => options.slice(0, 4).join() === 'Great deal,Fair amount,Not too much,Not at all');
    expect(greatDeal.length).toBeGreaterThan(0);
    for (const options of greatDeal) expect(answerScale(options)).toMatchObject({ kind: 'ordinal', positions: [0, 1, 2, 3, ...options.slice(4).map(() => null)] });
    // WVS ten-point scales: two labelled ends with "2".."9" between them.
    const tenPoint = sets.filter((options) => options.slice(1, 9).join() === '2,3,4,5,6,7,8,9' && options.length >= 10);
    expect(tenPoint.length).toBeGreaterThan(5);
    for (const options of tenPoint) {
      const read = answerScale(options);
      expect(read.kind, options.join(' / ')).toBe('ordinal');
      // "2".."9" lie in order between the two ends, whichever end the table starts from.
      const at = (label: string) => (read.kind === 'ordinal' ? read.positions[options.indexOf(label)] : null);
      const steps = ['2', '3', '4', '5', '6', '7', '8', '9'].map((label) => at(label)!);
      expect(steps.slice(1).map((p, i) => p - steps[i]).every((d) => d === steps[1] - steps[0] && Math.abs(d) === 1)).toBe(true);
    }
    // "0".."10", one copy listed out of order: each number's place is its value.
    const elevenNumbers = sets.filter((options) => sameSet(scaled(options), Array.from({ length: 11 }, (_, v) => String(v))));
    expect(elevenNumbers.length).toBeGreaterThan(1);
    for (const options of elevenNumbers) {
      const read = answerScale(options);
      expect(read.kind === 'ordinal' && options.every((o, i) => read.positions[i] === (onScale(o) ? Number(o) : null))).toBe(true);
    }
  });

  it('every set with two answers on the scale reads as binary', () => {
    for (const options of sets.filter((o) => new Set(scaled(o)).size === 2 && scaled(o).length === 2)) expect(answerScale(options).kind, options.join(' / ')).toBe('binary');
  });
});
