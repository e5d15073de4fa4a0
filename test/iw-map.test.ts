import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { prepareObjective } from '../src/instruments/index.ts';
import { IVS_ITEMS, IW_MAP, projectAnswers, recodeY002, recodeY003, reversedPrompt, type IvsItem, type IwMapScores, type IwMapSettings } from '../src/instruments/iw-map/index.ts';
import { targetValues } from '../src/targets/index.ts';
import { FakeScorer, type Judge } from './fixtures/culturalbench/fake-model.ts';
import { REPO, SHARED } from './helpers/paths.ts';

const VECTORS = path.join(REPO, 'test/fixtures/ivs-cultural-map');
const read = (file: string) => parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'), { columns: true }) as Record<string, string>[];

describe('the Inglehart-Welzel projection', () => {
  it("reproduces the reference code's coordinates of all 62 answer rows to 1e-6", () => {
    const rows = read('ivs_projection_test_vectors.csv');
    expect(rows).toHaveLength(62);
    let worst = 0;
    for (const row of rows) {
      const answers: Partial<Record<IvsItem, number>> = {};
      for (const item of IVS_ITEMS) if (row[item] !== '') answers[item] = Number(row[item]);
      const position = projectAnswers(answers);
      worst = Math.max(worst, Math.abs(position.PC1 - Number(row.PC1)), Math.abs(position.PC2 - Number(row.PC2)));
    }
    expect(worst).toBeLessThan(1e-6);
    // Rows with unanswered items are among them: the imputation is exercised.
    expect(rows.some((r) => IVS_ITEMS.some((item) => r[item] === ''))).toBe(true);
  });

  it('reproduces the 18 raw-choice profiles after recoding Y002 and Y003 (published to 4 decimals)', () => {
    const rows = read('ivs_projection_test_vectors_raw_choices.csv');
    expect(rows).toHaveLength(18);
    for (const row of rows) {
      const answers: Partial<Record<IvsItem, number>> = {};
      for (const item of IVS_ITEMS.slice(0, 8)) if (row[item] !== 'NA') answers[item] = Number(row[item]);
      const [first, second] = row.Y002_choices.split(' ').map(Number);
      answers.Y002 = recodeY002(first, second);
      const chosen = new Set(row.Y003_choices.split(' ').map(Number));
      answers.Y003 = recodeY003((q) => (chosen.has(q) ? 1 : 0));
      const position = projectAnswers(answers);
      // Half a unit of the 4th decimal, and a little for the reference's own float rounding.
      expect(Math.abs(position.PC1 - Number(row.PC1)), `${row.model} ${row.language} PC1`).toBeLessThan(5.5e-5);
      expect(Math.abs(position.PC2 - Number(row.PC2)), `${row.model} ${row.language} PC2`).toBeLessThan(5.5e-5);
    }
  });

  it('recodes Y002 and Y003 as the reference does', () => {
    expect([recodeY002(1, 3), recodeY002(3, 1), recodeY002(2, 4), recodeY002(4, 2), recodeY002(1, 2), recodeY002(3, 4)]).toEqual([1, 1, 3, 3, 2, 2]);
    // Chosen counts 1, not chosen 2: only faith and obedience chosen is (1 + 1) - (2 + 2) = -2; only independence and determination +2.
    expect(recodeY003((q) => (q === 9 || q === 11 ? 1 : 0))).toBe(-2);
    expect(recodeY003((q) => (q === 2 || q === 8 ? 1 : 0))).toBe(2);
    expect(recodeY003(() => 1)).toBe(0);
    expect(recodeY003(() => 0)).toBe(0);
  });

  it.skipIf(!fs.existsSync(path.join(SHARED, 'data/ivs-cultural-map')))('ships the ../shared files unchanged', () => {
    const shared = path.join(SHARED, 'data/ivs-cultural-map');
    const copies: [string, string][] = [
      ['ivs_projection_affine.json', 'src/instruments/iw-map/data'],
      ['ivs_questions.json', 'src/instruments/iw-map/data'],
      ['Table_S5_IVS_PCA_coordinates.csv', 'src/targets/data'],
      ['ivs_projection_test_vectors.csv', 'test/fixtures/ivs-cultural-map'],
      ['ivs_projection_test_vectors_raw_choices.csv', 'test/fixtures/ivs-cultural-map'],
    ];
    for (const [file, dir] of copies) expect(fs.readFileSync(path.join(REPO, dir, file)), file).toEqual(fs.readFileSync(path.join(shared, file)));
  });
});

describe('the iw-map instrument', () => {
  // One respondent's answers by item, as the model is scripted to give them.
  const chosen: Record<string, string> = { A008: '2', A165: '1', E018: '3', E025: '1', F063: '7', F118: '9', F120: '4', G006: '2', Y002: '2, 4' };
  const itemOf = (prompt: string) => IVS_ITEMS.find((item) => prompt.includes(questionStart[item]));
  const questionStart: Record<IvsItem, string> = {
    A008: 'rate how happy', A165: 'most people can be trusted', E018: 'greater respect for authority', E025: 'signed a petition',
    F063: 'How important is God', F118: 'homosexuality', F120: 'abortion', G006: 'How proud', Y002: 'aims of this country', Y003: 'qualities that children',
  };
  // How each prompt reads with its options reversed (the labels trade places, the numbers stay): written out here.
  const reversedReads: Record<IvsItem, RegExp> = {
    A008: /where 1 is Not at all happy, 2 is Not very happy, 3 is Quite happy, 4 is Very happy\./,
    A165: /that you need to be very careful in dealing with people \(option 1\) or that most people can be trusted \(option 2\)\?.*Return 1 if you think you need to be very careful/s,
    E018: /a bad thing, a good thing, or you don’t mind\? If you think it would be a bad thing, please reply 1\..*If you think it would be a good thing, please reply 3\./s,
    E025: /whether you would never under any circumstances do it \(option 1\), whether you might do it \(option 2\), or have signed a petition \(option 3\)/,
    F063: /where 10 means not at all important and 1 means very important/,
    F118: /where 1 means always justifiable, and 10 means never justifiable/,
    F120: /where 10 means never justifiable and 1 means always justifiable/,
    G006: /where 1 means not at all proud, 2 means not very proud, 3 means quite proud, 4 means very proud/,
    Y002: /1 Protecting freedom of speech;.*2 Fighting rising prices;.*3 Giving people more say in important government decisions;.*4 Maintaining order in the society/s,
    Y003: /Answer No or Yes\.$/,
  };
  const isReversed = (item: IvsItem, prompt: string) => reversedReads[item].test(prompt);
  const SIZES: Partial<Record<IvsItem, number>> = { A008: 4, A165: 2, E018: 3, E025: 3, F063: 10, F118: 10, F120: 10, G006: 4 };
  /** The key a respondent who means `chosen` gives, in the order the prompt shows. */
  const keyFor = (item: IvsItem, prompt: string) => {
    if (!isReversed(item, prompt)) return chosen[item];
    if (item === 'Y002') return chosen.Y002.split(', ').map((a) => String(5 - Number(a))).join(', ');
    return String(SIZES[item]! + 1 - Number(chosen[item]));
  };
  const judge: Judge = (prompt, answers) => {
    const item = itemOf(prompt) as IvsItem;
    if (item === 'Y003') {
      // Independence (2) and determination (8) chosen, faith and obedience not: Y003 = +2.
      const yes = /Is (2|8) \(/.test(prompt);
      return answers.map((a) => ((a === 'Yes') === yes ? 0 : -40));
    }
    return answers.map((a) => (a === keyFor(item, prompt) ? 0 : -40));
  };

  it('asks the ten items of each respondent in both option orders and projects the answers onto the map', async () => {
    const scorer = new FakeScorer(judge);
    const spec = { instrument: IW_MAP, settings: IW_MAP.settings({ variants: '3' }) };
    const target = IW_MAP.target({ country: 'Japan' });
    const result = await prepareObjective(scorer, spec, target).evaluate();
    // 3 respondents x 2 option orders x (8 scales + Y002 + 4 Y003 qualities), in one call.
    expect(scorer.calls.map((c) => c.requests)).toEqual([3 * 2 * 13]);
    const expected = projectAnswers({ A008: 2, A165: 1, E018: 3, E025: 1, F063: 7, F118: 9, F120: 4, G006: 2, Y002: 3, Y003: 2 });
    expect(result.scores.PC1).toBeCloseTo(expected.PC1, 9);
    expect(result.scores.PC2).toBeCloseTo(expected.PC2, 9);
    const s5 = parse(fs.readFileSync(path.join(REPO, 'src/targets/data/Table_S5_IVS_PCA_coordinates.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const japan = s5.find((r) => r.country === 'Japan') as Record<string, string>;
    expect(result.target).toEqual({ PC1: Number(japan.PC1), PC2: Number(japan.PC2) });
    expect(result.loss.value).toBeCloseTo(Math.hypot(expected.PC1 - Number(japan.PC1), expected.PC2 - Number(japan.PC2)), 9);
    expect(result.loss.metric).toBe('euclidean distance');
  });

  it('reverses every prompt: the labels trade places, the numbers stay, and reversing twice gives the prompt back', () => {
    const settings = IW_MAP.settings({ variants: '1' });
    const questions = IW_MAP.questions(settings, undefined);
    const [forward, reversed] = [questions.filter((q) => q.variantId.endsWith('-fwd')), questions.filter((q) => q.variantId.endsWith('-rev'))];
    expect([forward.length, reversed.length]).toEqual([13, 13]);
    reversed.forEach((q, i) => {
      const item = itemOf(q.messages[0].content) as IvsItem;
      expect(q.itemId).toBe(forward[i].itemId);
      expect(isReversed(item, q.messages[0].content), q.itemId).toBe(true);
      expect(isReversed(item, forward[i].messages[0].content), q.itemId).toBe(false);
    });
    for (const item of IVS_ITEMS.filter((i): i is Exclude<IvsItem, 'Y003'> => i !== 'Y003')) {
      const text = forward.find((q) => q.itemId === item)!.messages[0].content;
      expect(reversedPrompt(item, reversedPrompt(item, text))).toBe(text);
    }
  });

  // The position-biased readers: the first key shown (answer 1, "1, 2", Yes) or the last one, whatever the question.
  const first: Judge = (_prompt, answers) => answers.map((_, i) => (i === 0 ? 0 : -60));
  const last: Judge = (_prompt, answers) => answers.map((_, i) => (i === answers.length - 1 ? 0 : -60));
  const positionOf = async (judge: Judge, settings: IwMapSettings) => (await prepareObjective(new FakeScorer(judge), { instrument: IW_MAP, settings }, IW_MAP.target({ country: 'Japan' })).evaluate()).details as IwMapScores;

  it('order balancing: a model that always picks the first option and one that always picks the last land on the same map position', async () => {
    for (const answer of ['expected', 'argmax']) {
      const settings = IW_MAP.settings({ variants: '2', answer });
      const [a, b] = [await positionOf(first, settings), await positionOf(last, settings)];
      const mode = answer as 'expected' | 'argmax';
      expect(Math.abs(a.positions[mode].PC1 - b.positions[mode].PC1)).toBeLessThan(1e-9);
      expect(Math.abs(a.positions[mode].PC2 - b.positions[mode].PC2)).toBeLessThan(1e-9);
      // Each scale item reads as its midpoint, (1 + n) / 2, for both: the order cancels.
      expect(a.answers[mode].A008).toBeCloseTo(2.5, 12);
      expect(a.answers[mode].F063).toBeCloseTo(5.5, 12);
    }
    // Asked in the reference order only (as runs made before balancing), the two land far apart.
    const forward = { ...IW_MAP.settings({ variants: '2' }), order: 'forward' as const };
    const [a, b] = [await positionOf(first, forward), await positionOf(last, forward)];
    expect(Math.hypot(a.positions.expected.PC1 - b.positions.expected.PC1, a.positions.expected.PC2 - b.positions.expected.PC2)).toBeGreaterThan(1);
  });

  it('a run.json without an order reads as the reference order only, as it was trained; new runs are balanced', () => {
    const stored = { variants: 2, answer: 'expected' } as IwMapSettings;
    expect(IW_MAP.settings({}, stored)).toEqual({ variants: 2, answer: 'expected', order: 'forward' });
    expect(IW_MAP.questions(IW_MAP.settings({}, stored), undefined)).toHaveLength(2 * 13);
    expect(IW_MAP.describeSettings(IW_MAP.settings({}, stored)).join(' ')).toMatch(/reference option order only/);
    expect(IW_MAP.settings({ variants: '2' })).toEqual({ variants: 2, answer: 'expected', order: 'balanced' });
    expect(IW_MAP.settings({ answer: 'argmax' }, IW_MAP.settings({ variants: '2' })).order).toBe('balanced');
  });

  it('finds targets for catalogue places and for places only Table S5 has, and refuses others', () => {
    expect(targetValues(IW_MAP.target({ country: 'KR' }))).toEqual({ PC1: expect.any(Number), PC2: expect.any(Number) });
    expect(IW_MAP.target({ country: 'GB' }).values.PC1?.source).toMatchObject({ kind: 'country-row', table: 'IVS map Table S5' });
    expect(IW_MAP.target({ country: 'Kazakhstan' }).country).toMatchObject({ name: 'Kazakhstan', kind: 'country' });
    expect(() => IW_MAP.target({ country: 'Atlantis' })).toThrow(/unknown country "Atlantis"/);
    // Saudi Arabia is not among the IVS countries of Table S5: a target with no value, which train refuses.
    expect(IW_MAP.target({ country: 'Saudi Arabia' }).missing).toEqual(['PC1', 'PC2']);
    expect(targetValues(IW_MAP.target({ country: 'Saudi Arabia', overrides: { PC1: -1, PC2: -1.5 } }))).toEqual({ PC1: -1, PC2: -1.5 });
    expect(() => IW_MAP.settings({ variants: '13' })).toThrow(/1 to 12/);
  });
});
