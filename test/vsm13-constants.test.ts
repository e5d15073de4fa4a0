import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VSM13, vsm13Items, type Vsm13Settings } from '../src/instruments/vsm13/index.ts';
import { calibratedSpec, type CalibrationModel } from '../src/instruments/vsm13/calibration.ts';
import { instrumentFromStored, type InstrumentSpec } from '../src/instruments/index.ts';
import { resolveTarget, HOFSTEDE_TABLE, type TargetCountry } from '../src/targets/index.ts';
import { scaleDisplay } from '../src/report/run-header.ts';
import { REPO } from './helpers/paths.ts';
import { scriptedScorer } from './helpers/scripted-scorer.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-vsm13-constants-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// The published rows, read here from the table file itself (not through cultune's target lookup).
const published = new Map(
  fs.readFileSync(path.join(REPO, 'src/targets/data/6-dimensions-for-website-2015-08-16.csv'), 'utf8').trim().split('\n').slice(1)
    .map((line) => line.split(';'))
    .map(([code, , ...values]) => [code, values.map(Number)] as const),
);
const DIMS = ['PDI', 'IDV', 'MAS', 'UAI', 'LTO', 'IVR'] as const;
/** The default panel as Hofstede codes and the persona names cultune writes for them. */
const PANEL = [
  ['USA', 'the United States'], ['GER', 'Germany'], ['SWE', 'Sweden'], ['RUS', 'Russia'], ['BRA', 'Brazil'],
  ['TUR', 'Turkey'], ['MOR', 'Morocco'], ['IND', 'India'], ['CHI', 'China'], ['JPN', 'Japan'],
] as const;

/** A respondent whose answer to each item depends on the persona's country: 1..5, deterministic. */
function answerOf(item: number, text: string): number {
  const place = /You are a person from (.*?)\./.exec(text)?.[1];
  if (!place) return 3;
  const seed = [...place].reduce((s, c) => s + c.charCodeAt(0), 0);
  return 1 + ((seed * 7 + item * 3) % 5);
}

/** The manual's index formulas, written out here: 35(m07 - m02) + 25(m20 - m23) and so on. */
function rawIndices(m: (item: number) => number): number[] {
  return [
    35 * (m(7) - m(2)) + 25 * (m(20) - m(23)),
    35 * (m(4) - m(1)) + 35 * (m(9) - m(6)),
    35 * (m(5) - m(3)) + 35 * (m(8) - m(10)),
    40 * (m(18) - m(15)) + 25 * (m(21) - m(24)),
    40 * (m(13) - m(14)) + 25 * (m(19) - m(22)),
    35 * (m(12) - m(11)) + 40 * (m(17) - m(16)),
  ];
}

/** C per dimension by the definition: mean published minus mean model over the anchors. */
function expectedConstants(anchors: readonly (typeof PANEL)[number][]): number[] {
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  // A scripted respondent gives the same answer to an item whatever the variant, so its item mean is that answer.
  const model = anchors.map(([, persona]) => rawIndices((item) => answerOf(item, `You are a person from ${persona}.`)));
  return DIMS.map((_, d) => mean(anchors.map(([code]) => published.get(code)![d])) - mean(model.map((m) => m[d])));
}

function countingModel(): CalibrationModel & { calls: unknown[][] } {
  return { ...scriptedScorer(answerOf, vsm13Items()), sourceHash: 'scripted', precision: 'fp32' };
}

const spec = (flags: Record<string, string>, base?: Vsm13Settings): InstrumentSpec => ({ instrument: VSM13, settings: VSM13.settings({ variants: '2', ...flags }, base) });
const country = (query: string): TargetCountry => resolveTarget(HOFSTEDE_TABLE, { country: query }).country;
const constantsOf = (s: InstrumentSpec) => (s.settings as Vsm13Settings).constants;

describe('anchored constants', () => {
  it('are the mean published minus the mean model score over the panel, leaving out the trained country', async () => {
    const model = countingModel();
    const lines: string[] = [];
    const fitted = await calibratedSpec(model, spec({}), country('Germany'), { cacheDir: path.join(work, 'a'), say: (l) => lines.push(l) });
    const constants = constantsOf(fitted);
    const expected = expectedConstants(PANEL.filter(([code]) => code !== 'GER'));
    DIMS.forEach((d, i) => expect('values' in constants && constants.values[d]).toBeCloseTo(expected[i], 6));
    expect(constants).toMatchObject({ kind: 'anchored', calibration: { leftOut: 'Germany', condition: 'persona' } });
    expect('calibration' in constants && constants.calibration?.anchors).toHaveLength(9);
    // Germany's own persona was never asked: its target cannot leak into C.
    const asked = model.calls.flat().map((r) => model.tokenizer.decode((r as { ids: number[] }).ids));
    expect(asked.some((text) => text.includes('You are a person from Germany.'))).toBe(false);
    expect(asked.some((text) => text.includes('You are a person from Japan.'))).toBe(true);
    expect(lines).toEqual([expect.stringMatching(/^VSM 2013 constants C \(anchored on 9 countries, persona condition, leaving out Germany\): PDI -?\d+\.\d, IDV/)]);
  });

  it('use the whole panel for a country outside it, and reuse the cached anchors without scoring', async () => {
    const cacheDir = path.join(work, 'b');
    const first = countingModel();
    const fitted = await calibratedSpec(first, spec({}), country('Saudi Arabia'), { cacheDir });
    const expected = expectedConstants(PANEL);
    const constants = constantsOf(fitted);
    DIMS.forEach((d, i) => expect('values' in constants && constants.values[d]).toBeCloseTo(expected[i], 6));
    expect(constants).toMatchObject({ calibration: { leftOut: null } });
    expect(first.calls.length).toBeGreaterThan(0);

    const again = countingModel();
    const cached = await calibratedSpec(again, spec({}), country('Saudi Arabia'), { cacheDir });
    expect(again.calls).toHaveLength(0);
    expect(constantsOf(cached)).toEqual(constants);
    // Another left-out country is a mean over the same cached anchors: still no scoring.
    await calibratedSpec(again, spec({}), country('Japan'), { cacheDir });
    expect(again.calls).toHaveLength(0);
    // Another variant set asks other prompts: scored again.
    await calibratedSpec(again, spec({ variants: '4' }), country('Japan'), { cacheDir });
    expect(again.calls.length).toBeGreaterThan(0);
  });

  it('take a panel of your own, and refuse one that leaves fewer than two anchors', async () => {
    const model = countingModel();
    const fitted = await calibratedSpec(model, spec({ constants: 'anchored:JP,BR,SE' }), country('Japan'), { cacheDir: path.join(work, 'c') });
    const expected = expectedConstants(PANEL.filter(([code]) => code === 'BRA' || code === 'SWE'));
    const constants = constantsOf(fitted);
    DIMS.forEach((d, i) => expect('values' in constants && constants.values[d]).toBeCloseTo(expected[i], 6));
    await expect(calibratedSpec(model, spec({ constants: 'anchored:JP,BR' }), country('Japan'), { cacheDir: path.join(work, 'c') })).rejects.toThrow(/fewer than two anchor countries/);
    expect(() => spec({ constants: 'anchored:JP' })).toThrow(/at least two anchor countries/);
  });

  it('must be fitted before the instrument scores anything', () => {
    expect(() => VSM13.scores([], [], spec({}).settings as Vsm13Settings, undefined)).toThrow(/not fitted/);
  });
});

describe('which constants a command uses', () => {
  const fittedStored = async () => constantsOf(await calibratedSpec(countingModel(), spec({}), country('Brazil'), { cacheDir: path.join(work, 'd') }));

  it('explicit and zero constants win and need no calibration', async () => {
    const model = countingModel();
    for (const flag of ['PDI=10,IDV=-5', 'zero']) {
      const given = spec({ constants: flag });
      expect(await calibratedSpec(model, given, country('Japan'), { cacheDir: path.join(work, 'e') })).toBe(given);
    }
    expect(model.calls).toHaveLength(0);
    const stored = { ...(spec({}).settings as Vsm13Settings), constants: await fittedStored() };
    expect(constantsOf(spec({ constants: 'PDI=10' }, stored))).toEqual({ kind: 'explicit', values: { PDI: 10, IDV: 0, MAS: 0, UAI: 0, LTO: 0, IVR: 0 } });
  });

  it("a run's stored fit stands when anchored is asked again on its panel; another panel is fitted anew", async () => {
    const stored = { ...(spec({}).settings as Vsm13Settings), constants: await fittedStored() };
    const run = { name: 'vsm13', settings: JSON.parse(JSON.stringify(stored)) };
    expect(constantsOf(instrumentFromStored(run))).toEqual(stored.constants);
    expect(constantsOf(instrumentFromStored(run, { constants: 'anchored' }))).toEqual(stored.constants);
    expect(constantsOf(instrumentFromStored(run, { constants: 'anchored:US,JP' }))).toEqual({ kind: 'anchored', panel: ['US', 'JP'] });
    // A resumed run is compared with what was asked, not with the values fitted from the model.
    expect(VSM13.askedSettings?.(stored)).toEqual(VSM13.askedSettings?.(spec({}).settings as Vsm13Settings));
  });

  it('a run stored without a constants mode reads as zero, and the report header says so', async () => {
    const old = { name: 'vsm13', settings: { variants: 4, answer: 'expected', metric: 'l1' } };
    expect(constantsOf(instrumentFromStored(old))).toEqual({ kind: 'zero', values: { PDI: 0, IDV: 0, MAS: 0, UAI: 0, LTO: 0, IVR: 0 } });
    expect(scaleDisplay(old)).toMatch(/^zero \(not recorded/);
    const fitted = await fittedStored();
    expect(scaleDisplay({ name: 'vsm13', settings: { ...old.settings, constants: fitted } })).toMatch(/^anchored on 9 countries, persona condition, leaving out Brazil \(PDI -?\d+\.\d, IDV/);
    expect(scaleDisplay({ name: 'iw-map', settings: {} })).toBe('-');
  });
});
