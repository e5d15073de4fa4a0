import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  VSM13,
  anchoredConstants,
  computeIndices,
  constantsFromJson,
  DEFAULT_ANCHOR_PANEL,
  explicitConstants,
  itemId,
  itemsOfDimension,
  parseDimensionAssignments,
  vsm13Items,
  vsm13Loss,
  zeroConstants,
  type Vsm13Scores,
  type Vsm13Item,
  type Vsm13Settings,
} from '../src/instruments/vsm13/index.ts';
import { conditionMessages, prepareInstrument, prepareObjective, type SurveyQuestion } from '../src/instruments/index.ts';
import { respondentVariants, scaleQuestion, type RespondentVariant } from '../src/instruments/survey/index.ts';
import { averageRanks, kendallTauB, spearmanRho } from '../src/report/rank-agreement.ts';
import { DIMENSIONS } from '../src/targets/index.ts';
import { UserError } from '../src/util/errors.ts';
import type { Scorer } from '../src/model/types.ts';
import { VSM2013_REFERENCE } from './helpers/paths.ts';
import { charTokenizer, scriptedScorer } from './helpers/scripted-scorer.ts';

const settings = (flags: Record<string, string> = {}): Vsm13Settings => VSM13.settings(flags);
const vsm13Question = (item: Vsm13Item, variant: RespondentVariant): SurveyQuestion =>
  scaleQuestion({ id: itemId(item.number), question: item.question, labels: item.labels }, variant, 'the Values Survey Module 2013');

/** Asks the scorer every question of the settings in one call, as `cultune vsm13` does. */
async function evaluateVsm13(scorer: Scorer, flags: Record<string, string>): Promise<Vsm13Scores> {
  const prepared = prepareInstrument(scorer.tokenizer, { instrument: VSM13, settings: settings(flags) }, undefined);
  return prepared.read(await scorer.score(prepared.requests)).details as Vsm13Scores;
}

/** Item means chosen so that each index is easy to compute by hand (m[0] is m01). */
function handMeans(): number[] {
  const m = new Array<number>(24).fill(3);
  const set = (item: number, value: number) => (m[item - 1] = value);
  set(7, 4); set(2, 2); set(20, 3.5); set(23, 3); // PDI = 35*2 + 25*0.5 = 82.5
  set(4, 4); set(1, 2); set(9, 3); set(6, 3.5); // IDV = 35*2 + 35*(-0.5) = 52.5
  set(5, 2.5); set(3, 3); set(8, 3.2); set(10, 3); // MAS = 35*(-0.5) + 35*0.2 = -10.5
  set(18, 2); set(15, 3); set(21, 4); set(24, 1); // UAI = 40*(-1) + 25*3 = 35
  set(13, 1.5); set(14, 3); set(19, 2); set(22, 2.2); // LTO = 40*(-1.5) + 25*(-0.2) = -65
  set(12, 3.6); set(11, 2.6); set(17, 3); set(16, 3.25); // IVR = 35*1 + 40*(-0.25) = 25
  return m;
}

describe('index formulas', () => {
  it('computes the six indices by the VSM 2013 formulas', () => {
    const indices = computeIndices(handMeans(), zeroConstants().values);
    const expected = { PDI: 82.5, IDV: 52.5, MAS: -10.5, UAI: 35, LTO: -65, IVR: 25 };
    for (const d of DIMENSIONS) expect(indices[d]).toBeCloseTo(expected[d], 10);
  });

  it('adds the constants', () => {
    const indices = computeIndices(handMeans(), explicitConstants({ PDI: 10, IVR: -25 }).values);
    expect(indices.PDI).toBeCloseTo(92.5, 10);
    expect(indices.IVR).toBeCloseTo(0, 10);
    expect(indices.IDV).toBeCloseTo(52.5, 10);
  });

  it('reads the items the manual lists per dimension', () => {
    expect(itemsOfDimension('PDI')).toEqual([2, 7, 20, 23]);
    expect(itemsOfDimension('IVR')).toEqual([11, 12, 16, 17]);
  });

  it('agrees with the independent transcription of the formulas', () => {
    const file = path.join(VSM2013_REFERENCE, 'vsm2013_index_formulas.json');
    const formulas = JSON.parse(readFileSync(file, 'utf8')).indices;
    for (const d of DIMENSIONS) {
      const m = Array.from({ length: 24 }, (_, i) => Math.sin(i + 1));
      const byShared = formulas[d].terms.reduce((s: number, t: { weight: number; plus: number; minus: number }) => s + t.weight * (m[t.plus - 1] - m[t.minus - 1]), 0);
      expect(computeIndices(m, zeroConstants().values)[d]).toBeCloseTo(byShared, 10);
    }
  });
});

describe('constants', () => {
  it('anchors each dimension on the countries that have it', () => {
    const raw = (PDI: number, IDV: number) => ({ PDI, IDV, MAS: 0, UAI: 0, LTO: 0, IVR: 0 });
    const full = { MAS: 50, UAI: 50, LTO: 50, IVR: 50 };
    const constants = anchoredConstants([
      { country: 'A', rawIndices: raw(10, -5), published: { PDI: 60, IDV: 40, ...full } },
      { country: 'B', rawIndices: raw(30, 15), published: { PDI: 80, ...full } },
    ]);
    expect(constants.kind).toBe('anchored');
    expect(constants.values.PDI).toBe(50); // mean(60, 80) - mean(10, 30)
    expect(constants.values.IDV).toBe(45); // only A has IDV: 40 - (-5)
    expect(constants.values.MAS).toBe(50);
    expect(constants.anchoredOn?.IDV).toEqual(['A']);
  });

  it('refuses to anchor a dimension no anchor country has', () => {
    const raw = { PDI: 0, IDV: 0, MAS: 0, UAI: 0, LTO: 0, IVR: 0 };
    expect(() => anchoredConstants([{ country: 'Saudi Arabia', rawIndices: raw, published: { LTO: 36, IVR: 52 } }])).toThrow(/cannot anchor PDI/);
  });

  it('parses explicit constants and stored ones', () => {
    expect(parseDimensionAssignments('PDI=10, idv=-5.5,ltowvs=2', '--constants')).toEqual({ PDI: 10, IDV: -5.5, LTO: 2 });
    expect(() => parseDimensionAssignments('PDI=abc', '--constants')).toThrow(UserError);
    expect(() => parseDimensionAssignments('PID=1', '--constants')).toThrow(/PID=1/);
    expect(() => parseDimensionAssignments('PDI=1,PDI=2', '--constants')).toThrow(/twice/);
    const stored = anchoredConstants([{ country: 'A', rawIndices: { PDI: 1, IDV: 2, MAS: 3, UAI: 4, LTO: 5, IVR: 6 }, published: { PDI: 1, IDV: 1, MAS: 1, UAI: 1, LTO: 1, IVR: 1 } }]);
    expect(constantsFromJson(JSON.parse(JSON.stringify(stored)), 'run.json')).toEqual(stored);
    expect(constantsFromJson({ PDI: 7 }, 'c.json')).toEqual(explicitConstants({ PDI: 7 }));
    expect(() => constantsFromJson({ XYZ: 7 }, 'c.json')).toThrow(/c.json: "XYZ"/);
  });
});

describe('loss', () => {
  const indices = { PDI: 50, IDV: 40, MAS: 30, UAI: 20, LTO: 10, IVR: 0 };
  const target = { PDI: 60, IDV: 30, MAS: 30, UAI: 25 };

  it('is the mean absolute difference over the target dimensions (L1)', () => {
    const result = vsm13Loss(indices, target);
    expect(result.value).toBe(6.25);
    expect(result.perScore).toEqual({ PDI: 10, IDV: 10, MAS: 0, UAI: 5 });
    expect(result.difference).toEqual({ PDI: -10, IDV: 10, MAS: 0, UAI: -5 });
    expect(result.missing).toEqual(['LTO', 'IVR']);
  });

  it('is the mean squared difference with l2', () => {
    const result = vsm13Loss(indices, target, { metric: 'l2' });
    expect(result.value).toBe(56.25);
    expect(result.perScore).toEqual({ PDI: 100, IDV: 100, MAS: 0, UAI: 25 });
  });

  it('refuses an empty target', () => {
    expect(() => vsm13Loss(indices, {})).toThrow(UserError);
  });
});

describe('rank agreement', () => {
  it('matches hand-computed values without ties', () => {
    const x = [1, 2, 3, 4, 5];
    const y = [3, 1, 2, 5, 4];
    expect(kendallTauB(x, y)).toBeCloseTo(0.4, 12); // 7 concordant, 3 discordant of 10
    expect(spearmanRho(x, y)).toBeCloseTo(0.6, 12); // 1 - 6*8/(5*24)
  });

  it('matches hand-computed values with ties', () => {
    const x = [1, 2, 2, 3];
    const y = [1, 3, 2, 2];
    expect(averageRanks(x)).toEqual([1, 2.5, 2.5, 4]);
    expect(kendallTauB(x, y)).toBeCloseTo(0.4, 12); // (3 - 1) / sqrt((6 - 1)(6 - 1))
    expect(spearmanRho(x, y)).toBeCloseTo(0.5, 12); // Pearson of the average ranks
  });

  it('is NaN when undefined and does not depend on constants', () => {
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearmanRho([1], [2])).toBeNaN();
    const model = [12, -3, 40, 7];
    const published = [60, 20, 90, 35];
    expect(spearmanRho(model.map((v) => v + 55), published)).toBeCloseTo(spearmanRho(model, published), 12);
  });
});

describe('items', () => {
  it('has the 24 items with five labels each', () => {
    const items = vsm13Items();
    expect(items.map((i) => i.number)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (const item of items) expect(item.labels).toHaveLength(5);
  });

  it('matches the wording of hofstede_test.csv, quirks undone', () => {
    const file = path.join(VSM2013_REFERENCE, 'hofstede_test.csv');
    // trim: row 17 has a space after the closing quote of "yes, always".
    const rows = parse(readFileSync(file, 'utf8'), { trim: true }) as string[][];
    expect(rows).toHaveLength(24);
    vsm13Items().forEach((item, i) => {
      // Rows 11-14 and 21-24 hold a literal backslash-n where the questionnaire breaks the line.
      expect(item.question).toBe(rows[i][0].replaceAll('\\n', '\n'));
      expect(item.labels).toEqual(rows[i].slice(1, 6));
    });
  });
});

describe('respondent variants and prompts', () => {
  it('alternates scale direction, is deterministic and never repeats', () => {
    const variants = respondentVariants(48, 2);
    expect(variants.map((v) => v.reversed).slice(0, 4)).toEqual([false, true, false, true]);
    expect(new Set(variants.map((v) => v.id)).size).toBe(48);
    expect(respondentVariants(48, 2)).toEqual(variants);
    expect(() => respondentVariants(49, 2)).toThrow(/1 to 48/);
    expect(() => respondentVariants(0, 2)).toThrow(UserError);
  });

  it('shows a reversed scale with the numbers kept and maps the answers back', () => {
    const item = vsm13Items()[0];
    const [forward, reversed] = respondentVariants(2, 2);
    const fwd = vsm13Question(item, forward);
    const rev = vsm13Question(item, reversed);
    expect(fwd.messages[0].content).toContain('1 = of utmost importance\n2 = very important');
    expect(rev.messages[0].content).toContain('1 = of very little or no importance\n2 = of little importance');
    expect(rev.messages[0].content).toContain('5 = of utmost importance');
    const persona = conditionMessages(rev.messages, { text: { place: 'Saudi Arabia', style: 'user' } });
    expect(persona[0].content).toBe(`You are a person from Saudi Arabia.\n\n${rev.messages[0].content}`);
    expect(rev.answerKeys).toEqual(['1', '2', '3', '4', '5']);
    expect(rev.answerValues).toEqual([5, 4, 3, 2, 1]);
    const scores = VSM13.scores(
      [fwd, rev, ...vsm13Items().slice(1).map((i) => vsm13Question(i, forward))],
      [[1, 0, 0, 0, 0], [1, 0, 0, 0, 0], ...new Array(23).fill([0, 0, 1, 0, 0])],
      settings({ constants: 'zero' }),
      undefined,
    );
    expect(scores.itemMeans.argmax[0]).toBe(3); // key "1" means 1 forward and 5 reversed
  });
});

describe('scoring requests', () => {
  it('renders every variant of every item and finds the answer tokens after the prompt', () => {
    const { requests } = prepareInstrument(charTokenizer(), { instrument: VSM13, settings: settings({ variants: '4' }) }, undefined);
    expect(requests).toHaveLength(96);
    // The template ends in "]": the answers follow a space, " 1" .. " 5".
    expect(requests[0].options).toEqual([[32, 49], [32, 50], [32, 51], [32, 52], [32, 53]]);
  });

  it('refuses answers that tokenise the same', () => {
    const tokenizer = { ...charTokenizer(), continuationIds: () => [29871] };
    expect(() => prepareInstrument(tokenizer, { instrument: VSM13, settings: settings({ variants: '1' }) }, undefined)).toThrow(/"1" and "2" of VSM 2013 item 01 tokenise the same/);
  });
});

describe('evaluation', () => {
  const items = vsm13Items();
  const answerOf = (item: number) => ((item - 1) % 5) + 1;

  it('recovers a scripted respondent through both scale directions in one batched call', async () => {
    const scorer = scriptedScorer(answerOf, items);
    const scores = await evaluateVsm13(scorer, { variants: '4', constants: 'zero' });
    expect(scorer.calls).toHaveLength(1);
    expect(scorer.calls[0]).toHaveLength(96);
    expect(scores.itemMeans.argmax).toEqual(items.map((i) => answerOf(i.number)));
    scores.itemMeans.expected.forEach((m, i) => expect(m).toBeCloseTo(answerOf(i + 1), 6));
    expect(scores.indices.argmax).toEqual(computeIndices(scores.itemMeans.argmax, zeroConstants().values));
  });

  it('cancels a pure position bias with paired reversed variants', async () => {
    const firstKeyLover = { ...scriptedScorer(answerOf, items), score: async (requests: { options: number[][] }[]) => requests.map(() => [0, -9, -9, -9, -9]) };
    const scores = await evaluateVsm13(firstKeyLover, { variants: '2', constants: 'zero' });
    expect(scores.itemMeans.argmax.every((m) => m === 3)).toBe(true);
    for (const d of DIMENSIONS) expect(scores.indices.expected[d]).toBeCloseTo(0, 9);
  });

  it('keeps the defaults for settings not given, and a base setting over the default', () => {
    // The default scale is anchored on the default panel, fitted once the model is loaded (vsm13-constants.test.ts).
    expect(settings()).toEqual({ variants: 4, answer: 'expected', constants: { kind: 'anchored', panel: [...DEFAULT_ANCHOR_PANEL] }, metric: 'l1' });
    const stored = settings({ variants: '2', constants: 'PDI=10', metric: 'l2', answer: 'argmax' });
    expect(VSM13.settings({}, JSON.parse(JSON.stringify(stored)))).toEqual(stored);
    expect(VSM13.settings({ variants: '6' }, stored)).toEqual({ ...stored, variants: 6 });
    expect(() => settings({ variants: '0' })).toThrow(/--variants/);
    expect(() => settings({ metric: 'l3' })).toThrow(/--metric/);
    expect(() => settings({ constants: 'PDI=x' })).toThrow(/--constants/);
  });

  it('prepares the objective once and scores each candidate with one call', async () => {
    const scorer = scriptedScorer(answerOf, items);
    const target = VSM13.target({ country: 'Kuwait', overrides: { PDI: 60, IDV: 40 } });
    const spec = { instrument: VSM13, settings: settings({ variants: '2', constants: 'PDI=50,IDV=50' }) };
    const objective = prepareObjective(scorer, spec, target);
    const first = await objective.evaluate();
    await objective.evaluate();
    expect(scorer.calls[0]).toBe(objective.prepared.requests);
    expect(scorer.calls[1]).toBe(objective.prepared.requests);
    const indices = (first.details as Vsm13Scores).indices.expected;
    expect(first.scores).toEqual(indices);
    expect(first.target).toEqual({ PDI: 60, IDV: 40 });
    expect(first.loss.value).toBeCloseTo((Math.abs(indices.PDI - 60) + Math.abs(indices.IDV - 40)) / 2, 9);
    expect(first.loss.missing).toEqual(['MAS', 'UAI', 'LTO', 'IVR']);
    const l2 = await prepareObjective(scorer, { instrument: VSM13, settings: { ...spec.settings, metric: 'l2', answer: 'argmax' } }, target).evaluate();
    const argmax = (l2.details as Vsm13Scores).indices.argmax;
    expect(l2.loss.value).toBeCloseTo(((argmax.PDI - 60) ** 2 + (argmax.IDV - 40) ** 2) / 2, 9);
    expect(() => prepareObjective(scorer, spec, VSM13.target({ country: 'Kuwait' })).resultFromLogprobs(scorer.calls[0].map(() => [0, 0, 0, 0, 0]))).toThrow(UserError);
  });
});
