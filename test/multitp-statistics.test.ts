import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTITP } from '../src/instruments/multitp/index.ts';
import { DEFAULT_HOLDOUT, drawHoldout, resultOf, storedInstrument, type ScoreUnit, type SurveyQuestion } from '../src/instruments/index.ts';
import { UserError } from '../src/util/errors.ts';
import { bootstrapStatistic, resampleWithin, streamFor } from '../src/stats/bootstrap.ts';
import { pairedComparison } from '../src/stats/paired.ts';
import { compareConditions } from '../src/eval/condition-comparisons.ts';
import { instrumentIntervals } from '../src/eval/unit-statistics.ts';
import type { EvalRecord } from '../src/eval/eval-record.ts';
import { targetValues } from '../src/targets/index.ts';
import { collectReport } from '../src/report/report-data.ts';
import { reportMarkdown } from '../src/report/report-tables.ts';

/** The preferred group of each dimension and its score name, as MultiTP names them. */
const NAMES: Record<string, string> = { Species: 'Species_Humans', SocialValue: 'SocialValue_High', Gender: 'Gender_Female', Age: 'Age_Young', Fitness: 'Fitness_Fit', Utilitarianism: 'Utilitarianism_More' };

/** P(A) varying with the question's position, shifted per condition (no generator under test). */
const distributionsFor = (questions: readonly SurveyQuestion[], shift: number) =>
  questions.map((_, i) => {
    const a = 0.05 + (((i + shift) * 37) % 90) / 100;
    return [a, 1 - a];
  });

/** A dilemma as the test sees it: its dimension and its probability of sparing the preferred group, averaged over its two orders. */
interface Dilemma {
  dimension: string;
  spared: number;
}

/** Each dilemma's sparing probability, read from the questions by hand (answerValues marks the preferred group). */
function dilemmasOf(questions: readonly SurveyQuestion[], distributions: readonly number[][]): Dilemma[] {
  const byItem = new Map<string, number[]>();
  questions.forEach((q, i) => byItem.set(q.itemId, [...(byItem.get(q.itemId) ?? []), distributions[i][q.answerValues.indexOf(1)]]));
  return [...byItem].map(([item, values]) => ({ dimension: item.split(' ')[0], spared: values.reduce((s, v) => s + v, 0) / values.length }));
}

/** MIS from the definition: per dimension the mean over its dilemmas, then the Euclidean distance to the human preferences. */
function misOf(dilemmas: readonly Dilemma[], human: Record<string, number>): number {
  const dimensions = [...new Set(dilemmas.map((d) => d.dimension))];
  return Math.sqrt(
    dimensions.reduce((s, dimension) => {
      const own = dilemmas.filter((d) => d.dimension === dimension);
      return s + (own.reduce((t, d) => t + d.spared, 0) / own.length - human[NAMES[dimension]]) ** 2;
    }, 0),
  );
}

const settings = MULTITP.settings({ dilemmas: '2' });
const target = MULTITP.target({ country: 'JPN' });
const human = targetValues(target) as Record<string, number>;
const questions = MULTITP.questions(settings, target);
const spec = { instrument: MULTITP, settings };

function resultUnder(shift: number) {
  const distributions = distributionsFor(questions, shift);
  const details = MULTITP.scores(questions, distributions, settings, target);
  const units = { unit: MULTITP.breakdown!.unit, values: MULTITP.breakdown!.units(questions, distributions, settings, target) };
  return { result: resultOf(spec, { details, scores: MULTITP.named(details, settings), units }, target), dilemmas: dilemmasOf(questions, distributions) };
}

describe('MultiTP per-dilemma units', () => {
  it('carry their own dimension only, stratified by it, and average back to the six preferences and MIS', () => {
    const { result, dilemmas } = resultUnder(0);
    const units = result.units!.values;
    expect(result.units!.unit).toBe('dilemma');
    expect(units).toHaveLength(12);
    for (const unit of units) {
      expect(unit.weight).toBe(2);
      expect(Object.keys(unit.scores)).toEqual([NAMES[unit.stratum!]]);
    }
    for (const [dimension, name] of Object.entries(NAMES)) {
      const own = dilemmas.filter((d) => d.dimension === dimension);
      expect(own).toHaveLength(2);
      expect(result.scores[name]).toBeCloseTo(own.reduce((s, d) => s + d.spared, 0) / own.length, 12);
    }
    expect(result.loss.value).toBeCloseTo(misOf(dilemmas, human), 12);
  });
});

describe('the stratified bootstrap', () => {
  it('draws each stratum from itself, keeping its size (scripted draws)', () => {
    // Strata x = units 0, 2, 3 and y = units 1, 4; draws pick x's members 2, 0, 2 (indices 3, 0, 3), then y's 1, 1 (indices 4, 4).
    const draws = [0.7, 0.1, 0.9, 0.6, 0.99];
    let next = 0;
    expect(resampleWithin(5, ['x', 'y', 'x', 'x', 'y'], () => draws[next++])).toEqual([3, 0, 3, 4, 4]);
    // Without strata the draw is the plain one, random number for random number.
    next = 0;
    expect(resampleWithin(5, undefined, () => draws[next++])).toEqual(draws.map((d) => Math.floor(d * 5)));
  });

  it("gives MultiTP's MIS an interval that holds the estimate, every resample defining all six preferences, the same for the same seed", () => {
    const { result } = resultUnder(0);
    const stored = storedInstrument(spec);
    const intervals = instrumentIntervals(stored, result, '7', 400)!;
    expect(intervals.unit).toBe('dilemma');
    expect(intervals.units).toBe(12);
    const [low, high] = intervals.loss.ci95 as [number, number];
    expect(low).toBeLessThanOrEqual(result.loss.value);
    expect(high).toBeGreaterThanOrEqual(result.loss.value);
    expect(high).toBeGreaterThan(low);
    for (const name of Object.values(NAMES)) expect(intervals.scores[name].ci95.every((v) => v !== null && v >= 0 && v <= 1)).toBe(true);
    expect(instrumentIntervals(stored, result, '7', 400)).toEqual(intervals);
    expect(instrumentIntervals(stored, result, '8', 400)).not.toEqual(intervals);
    // An unstratified resample of the same units can leave a dimension out: the stratified one never does.
    const units = result.units!.values;
    const strata = units.map((u) => u.stratum!);
    const random = streamFor(1, 'every dimension');
    for (let s = 0; s < 200; s++) expect(new Set(resampleWithin(units.length, strata, random).map((i) => units[i].stratum)).size).toBe(6);
  });

  it('matches the interval of MIS recomputed by hand from the same stratified draws', () => {
    const { result, dilemmas } = resultUnder(3);
    const strata = dilemmas.map((d) => d.dimension);
    const replicates: number[] = [];
    const random = streamFor('by hand', 'mis');
    for (let s = 0; s < 300; s++) replicates.push(misOf(resampleWithin(dilemmas.length, strata, random).map((i) => dilemmas[i]), human));
    replicates.sort((x, y) => x - y);
    // Hyndman-Fan type 7 at 2.5 % and 97.5 %, written out.
    const at = (q: number) => {
      const h = (replicates.length - 1) * q;
      return replicates[Math.floor(h)] + (h - Math.floor(h)) * (replicates[Math.ceil(h)] - replicates[Math.floor(h)]);
    };
    const lossOf = (sample: readonly ScoreUnit[]) => MULTITP.breakdown!.loss(weighted(sample), human, settings);
    const [low, high] = bootstrapStatistic(result.units!.values, lossOf, 300, streamFor('by hand', 'mis'), strata);
    expect(low).toBeCloseTo(at(0.025), 12);
    expect(high).toBeCloseTo(at(0.975), 12);
  });
});

/** Weighted means per score over the units carrying it, written here from the definition. */
function weighted(units: readonly ScoreUnit[]): Record<string, number> {
  const names = [...new Set(units.flatMap((u) => Object.keys(u.scores)))];
  return Object.fromEntries(
    names.map((name) => {
      const carrying = units.filter((u) => name in u.scores);
      return [name, carrying.reduce((s, u) => s + u.weight * u.scores[name], 0) / carrying.reduce((s, u) => s + u.weight, 0)];
    }),
  );
}

describe('the paired permutation test on MultiTP', () => {
  const a = resultUnder(0);
  const b = resultUnder(5);

  it('swaps the two conditions within each dilemma: the exact p of all 2^12 swaps, enumerated by hand', () => {
    const observed = misOf(a.dilemmas, human) - misOf(b.dilemmas, human);
    let hits = 0;
    const total = 2 ** a.dilemmas.length;
    for (let mask = 0; mask < total; mask++) {
      const x = a.dilemmas.map((d, i) => ((mask >> i) & 1 ? b.dilemmas[i] : d));
      const y = b.dilemmas.map((d, i) => ((mask >> i) & 1 ? a.dilemmas[i] : d));
      if (Math.abs(misOf(x, human) - misOf(y, human)) >= Math.abs(observed) - 1e-12) hits++;
    }
    const record = (condition: 'none' | 'soft', result: typeof a.result) =>
      ({ condition, country: { name: 'Japan' }, instrument: storedInstrument(spec), result, settings: { placement: 'start', seed: '4', bootstrap: 300 } }) as unknown as EvalRecord;
    const comparison = compareConditions(record('soft', a.result), record('none', b.result));
    expect(comparison.unit).toBe('dilemma');
    const test = comparison.test!;
    expect(test.exact).toBe(true);
    expect(test.permutations).toBe(total);
    expect(test.effect).toBeCloseTo(observed, 12);
    expect(test.p).toBeCloseTo(hits / total, 12);
    expect(test.ci95[0]).toBeLessThanOrEqual(test.effect);
    expect(test.ci95[1]).toBeGreaterThanOrEqual(test.effect);
    expect(compareConditions(record('soft', a.result), record('none', b.result))).toEqual(comparison);
  });

  it('finds nothing between a condition and itself', () => {
    const lossOf = (sample: readonly ScoreUnit[]) => MULTITP.breakdown!.loss(weighted(sample), human, settings);
    const units = a.result.units!.values;
    const test = pairedComparison(units, units, lossOf, { samples: 100, seed: 1, key: 'self', strata: units.map((u) => u.stratum!) });
    expect(test.effect).toBe(0);
    expect(test.p).toBe(1);
  });
});

describe('the held-out split of MultiTP, drawn per dimension', () => {
  const dimensionOf = (item: string) => item.split(' ')[0];

  it('puts every dimension on both sides for every seed 0..50 with --dilemmas 2', () => {
    for (let seed = 0; seed <= 50; seed++) {
      const split = drawHoldout(spec, target, DEFAULT_HOLDOUT, String(seed))!;
      for (const side of [split.train, split.heldOut]) expect(new Set(side.map(dimensionOf))).toEqual(new Set(Object.keys(NAMES)));
    }
  });

  it('holds out round(fraction × n) of each dimension, at least one each side, disjoint and complete', () => {
    const all = { instrument: MULTITP, settings: MULTITP.settings({}) };
    const items = [...new Set(MULTITP.questions(all.settings, target).map((q) => q.itemId))];
    for (const fraction of [0.05, 0.3, 0.9]) {
      const split = drawHoldout(all, target, fraction, '3')!;
      expect([...split.train, ...split.heldOut].sort()).toEqual([...items].sort());
      for (const dimension of Object.keys(NAMES)) {
        const n = items.filter((i) => dimensionOf(i) === dimension).length;
        const expected = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
        expect(split.heldOut.filter((i) => dimensionOf(i) === dimension)).toHaveLength(expected);
      }
      // Both sides in the instrument's order.
      for (const side of [split.train, split.heldOut]) expect(side).toEqual(items.filter((i) => side.includes(i)));
    }
    expect(drawHoldout(all, target, 0.3, '3')).toEqual(drawHoldout(all, target, 0.3, '3'));
    expect(drawHoldout(all, target, 0.3, '3')).not.toEqual(drawHoldout(all, target, 0.3, '4'));
  });

  it('refuses --dilemmas 1 in one line naming the flag to raise', () => {
    const one = { instrument: MULTITP, settings: MULTITP.settings({ dilemmas: '1' }) };
    expect(() => drawHoldout(one, target, 0.3, '1')).toThrow(UserError);
    expect(() => drawHoldout(one, target, 0.3, '1')).toThrow(/raise --dilemmas, or pass --holdout 0/);
  });
});

describe("the report's macro average of MIS over countries", () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-macro-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** An eval file for one country under one condition, its MIS computed for that country's humans. */
  function writeEval(folder: string, country: string, condition: 'none' | 'persona', shift: number): number {
    const countryTarget = MULTITP.target({ country });
    const distributions = distributionsFor(questions, shift);
    const details = MULTITP.scores(questions, distributions, settings, countryTarget);
    const result = resultOf(spec, { details, scores: MULTITP.named(details, settings) }, countryTarget);
    const record = {
      cultune: 'test',
      createdAt: '2025-01-01T00:00:00.000Z',
      condition,
      run: null,
      country: { name: countryTarget.country.name },
      model: { dir: 'm', hidden: 8, dtype: 'f32' },
      settings: { placement: 'start', seed: '5', bootstrap: 500 },
      instrument: storedInstrument(spec),
      result,
      culturalbench: { available: false, reason: 'not asked' },
    };
    fs.mkdirSync(path.join(work, folder), { recursive: true });
    fs.writeFileSync(path.join(work, folder, `eval-${condition}.json`), JSON.stringify(record));
    return misOf(dilemmasOf(questions, distributions), targetValues(countryTarget) as Record<string, number>);
  }

  it('is the mean of the per-country MIS per condition, with a bootstrap over countries from three countries', () => {
    const countries = ['USA', 'JPN', 'DEU', 'BRA'];
    const none = countries.map((c, i) => writeEval(c, c, 'none', i));
    const persona = countries.slice(0, 2).map((c, i) => writeEval(c, c, 'persona', 10 + i));
    const data = collectReport(countries.map((c) => path.join(work, c)));
    const [ofNone, ofPersona] = data.macroAverages;
    expect(data.macroAverages.map((m) => m.condition)).toEqual(['none', 'persona']);
    expect(ofNone.countries).toHaveLength(4);
    expect(ofNone.loss.value).toBeCloseTo(none.reduce((s, v) => s + v, 0) / 4, 12);
    const [low, high] = ofNone.loss.ci95 as [number, number];
    expect(low).toBeGreaterThanOrEqual(Math.min(...none));
    expect(high).toBeLessThanOrEqual(Math.max(...none));
    expect(low).toBeLessThan(ofNone.loss.value!);
    expect(high).toBeGreaterThan(ofNone.loss.value!);
    // Two countries: the mean, no interval.
    expect(ofPersona.loss.value).toBeCloseTo((persona[0] + persona[1]) / 2, 12);
    expect(ofPersona.loss.ci95).toEqual([null, null]);
    expect(collectReport(countries.map((c) => path.join(work, c))).macroAverages).toEqual(data.macroAverages);
    const markdown = reportMarkdown(data);
    expect(markdown).toContain('## Macro average over countries');
    expect(markdown).toContain('MultiTP (Jin et al. 2025) macro-averages MIS over countries');
  });
});
