import fs from 'node:fs';
import { calibrationCacheDir } from '../src/instruments/vsm13/calibration.ts';
import { readSettings } from '../src/util/settings.ts';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askedOn, describeSplit, drawHoldout, prepareInstrument, type HoldoutSplit, type InstrumentSpec, type SurveyQuestion } from '../src/instruments/index.ts';
import { GLOBAL_OPINION_QA } from '../src/instruments/globalopinionqa/index.ts';
import { IW_MAP } from '../src/instruments/iw-map/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { evaluateSubject, runSubject } from '../src/eval/evaluate-run.ts';
import { loadModel, type LlamaModel } from '../src/model/index.ts';
import type { ScoreRequest } from '../src/model/types.ts';
import { formatEvalRecord } from '../src/report/eval-table.ts';
import { collectReport } from '../src/report/report-data.ts';
import { flatRow } from '../src/report/report-tables.ts';
import type { Target } from '../src/targets/index.ts';
import { newRunInfo, runDefinition, type RunRequest } from '../src/train/new-run.ts';
import { readRunInfo, RUN_FILE } from '../src/train/run-files.ts';
import { planRun } from '../src/train/run-plan.ts';
import { train } from '../src/train/train.ts';
import { seededSplit } from '../src/util/seeded-split.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES, REPO } from './helpers/paths.ts';

/** The respondent profiles as the data file lists them, read here rather than through cultune. */
const PROFILES: { gender: string; age: string; education: string; occupation: string }[] = JSON.parse(
  fs.readFileSync(path.join(REPO, 'src/instruments/survey/data/respondents.json'), 'utf8'),
).profiles;
const PROFILE_IDS = PROFILES.map((_, i) => `p${i + 1}`);

/** The held-out count the docs define: round(fraction × units), at least one, leaving one to train on. */
const heldOutCount = (fraction: number, units: number) => Math.min(units - 1, Math.max(1, Math.round(fraction * units)));

/** A GlobalOpinionQA target with `n` made-up questions (three options each), so no dataset is needed. */
function opinionTarget(n: number): Target {
  const questions = Array.from({ length: n }, (_, i) => ({ question: `Made-up question ${i}?`, options: ['Yes', 'No', 'Maybe'], distribution: [0.5, 0.3, 0.2] }));
  return {
    country: { name: 'Japan', personaName: 'Japan', code: 'JPN', iso2: 'JP' } as Target['country'],
    fallback: 'none',
    values: {},
    missing: [],
    reference: { label: 'Japan', file: { sha256: 'test' }, questions, skipped: 0 },
  };
}

const respondentOf = (q: SurveyQuestion) => q.variantId.split('-')[0];
const vsm = (flags: Record<string, string> = {}): InstrumentSpec => ({ instrument: VSM13, settings: VSM13.settings({ constants: 'zero', ...flags }) });
const map = (flags: Record<string, string> = {}): InstrumentSpec => ({ instrument: IW_MAP, settings: IW_MAP.settings(flags) });
const goqa = (flags: Record<string, string> = {}): InstrumentSpec => ({ instrument: GLOBAL_OPINION_QA, settings: GLOBAL_OPINION_QA.settings(flags) });
const JAPAN_MAP = () => IW_MAP.target({ country: 'Japan' });

describe('the seeded split', () => {
  it('is disjoint and complete, keeps the given order, and is the same for the same key only', () => {
    const ids = Array.from({ length: 23 }, (_, i) => `u${(i * 7) % 23}`);
    const parts = seededSplit(ids, 'k1', 16);
    expect(parts.train).toHaveLength(16);
    expect(parts.heldOut).toHaveLength(7);
    expect([...parts.train, ...parts.heldOut].sort()).toEqual([...ids].sort());
    expect(parts.train.filter((id) => parts.heldOut.includes(id))).toEqual([]);
    for (const side of [parts.train, parts.heldOut]) expect(side).toEqual(ids.filter((id) => side.includes(id)));
    expect(seededSplit(ids, 'k1', 16)).toEqual(parts);
    expect(seededSplit(ids, 'k2', 16).heldOut).not.toEqual(parts.heldOut);
  });
});

describe('a run’s held-out split', () => {
  it('VSM 2013 holds out whole respondents: disjoint, covering every profile, the same for a seed', () => {
    const target = VSM13.target({ country: 'Japan' });
    const split = drawHoldout(vsm(), target, 0.3, '1') as HoldoutSplit;
    expect(split.by).toBe('respondent');
    expect(split.heldOut).toHaveLength(heldOutCount(0.3, PROFILES.length));
    expect([...split.train, ...split.heldOut].sort()).toEqual([...PROFILE_IDS].sort());
    expect(split.train.filter((id) => split.heldOut.includes(id))).toEqual([]);
    expect(drawHoldout(vsm(), target, 0.3, '1')).toEqual(split);
    expect(drawHoldout(vsm(), target, 0.3, '2')!.heldOut).not.toEqual(split.heldOut);
    expect(drawHoldout(vsm(), target, 0, '1')).toBeUndefined();
  });

  it('each side asks every VSM item of its own respondents only, in pairs of both option orders', () => {
    const spec = vsm({ variants: '4' });
    const split = drawHoldout(spec, VSM13.target({ country: 'Japan' }), 0.3, '7') as HoldoutSplit;
    for (const side of ['train', 'heldOut'] as const) {
      const { questions } = askedOn(spec, undefined, { split, side });
      expect(questions).toHaveLength(4 * 24);
      expect(questions.every((q) => split[side].includes(respondentOf(q)))).toBe(true);
      const perItem = new Map<string, number>();
      for (const q of questions) perItem.set(q.itemId, (perItem.get(q.itemId) ?? 0) + 1);
      expect([...perItem.values()]).toEqual(new Array(24).fill(4));
      expect(questions.filter((q) => q.variantId.endsWith('-rev'))).toHaveLength(questions.length / 2);
      // The respondent sentence is the held-out side's own: its profile's words, none of the other side's.
      const own = new Set(questions.map(respondentOf));
      for (const q of questions) {
        const profile = PROFILES[PROFILE_IDS.indexOf(respondentOf(q))];
        expect(q.messages[0].content).toContain(`a ${profile.gender}, ${profile.age}, with ${profile.education}, ${profile.occupation}.`);
      }
      expect([...own].every((id) => split[side].includes(id))).toBe(true);
    }
  });

  it('GlobalOpinionQA holds out questions, each asked of every respondent variant on its side', () => {
    const target = opinionTarget(10);
    const spec = goqa({ variants: '2' });
    const split = drawHoldout(spec, target, 0.3, '1') as HoldoutSplit;
    expect(split.by).toBe('question');
    expect(split.heldOut).toHaveLength(heldOutCount(0.3, 10));
    expect([...split.train, ...split.heldOut].sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(i)).sort());
    const held = askedOn(spec, target, { split, side: 'heldOut' }).questions;
    expect(held).toHaveLength(split.heldOut.length * 2);
    expect(new Set(held.map((q) => q.itemId))).toEqual(new Set(split.heldOut));
  });

  it('refuses, in one line, a split with nothing to hold out or a side too small for --variants', () => {
    expect(() => drawHoldout(goqa(), opinionTarget(1), 0.3, '1')).toThrow(/has 1 question\(s\) to split: too few to hold any out; pass --holdout 0$/);
    // 30 % of 12 map respondents is 4, one variant each: 5 variants do not fit the held-out side.
    expect(() => drawHoldout(map({ variants: '5' }), JAPAN_MAP(), 0.3, '1')).toThrow(/^--variants 5: the held-out part of the run's split has 4 respondent\(s\), 4 Inglehart-Welzel map variants at most; lower --variants/);
  });

  it('--holdout takes a fraction below 1 and refuses anything else in one line', () => {
    for (const bad of ['1', 'x']) {
      const { code, stderr } = runCli(['train', '--model', path.join(FIXTURES, 'llama-f32'), '--country', 'JP', '--holdout', bad]);
      expect(code).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/--holdout <fraction>.*expected a fraction from 0 \(none\) to below 1/);
    }
  });
});

describe('run.json keeps the split', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-holdout-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const request = (holdout?: number): RunRequest => ({
    instrument: map({ variants: '2' }),
    softPrompt: { k: 2, init: 'vocab', placement: 'start' },
    search: { space: 'subspace', dim: 8, strategy: 'shade', pop: 4, budget: 8, seed: 5 },
    ...(holdout === undefined ? {} : { holdout }),
  });
  const fakeModel = () => ({ folder: { dir: work, graphPath: path.join(work, 'model.onnx') }, origin: undefined, sourceHash: 'h', hidden: 4, precision: 'fp32' }) as unknown as Parameters<typeof newRunInfo>[1];

  it('stores the drawn split and reads it back; a run.json without one reads as no split', () => {
    const dir = path.join(work, 'stored');
    fs.mkdirSync(dir);
    const definition = runDefinition('Japan', JAPAN_MAP(), request());
    expect(definition.holdout).toEqual(drawHoldout(map({ variants: '2' }), JAPAN_MAP(), 0.3, '5'));
    const info = newRunInfo(definition, fakeModel(), 'test');
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify(info));
    expect(readRunInfo(dir).holdout).toEqual(definition.holdout);
    const { holdout: _, ...old } = info;
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify(old));
    expect(readRunInfo(dir).holdout).toBeUndefined();
    expect(describeSplit(readRunInfo(dir).holdout)).toBe('no split: all in-sample');
    expect(runDefinition('Japan', JAPAN_MAP(), request(0)).holdout).toBeUndefined();
  });

  it('a resumed run keeps its stored split unless --holdout asks another, which is refused', () => {
    const dir = path.join(work, 'resumed');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify(newRunInfo(runDefinition('Japan', JAPAN_MAP(), request(0.3)), fakeModel(), 'test')));
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify({ history: [] }));
    const plan = planRun({ dir, definition: runDefinition('Japan', JAPAN_MAP(), request(0.5)) }, { resume: true });
    expect(plan.state === 'unfinished' && plan.stored.holdout?.fraction).toBe(0.3);
    expect(() => planRun({ dir, definition: runDefinition('Japan', JAPAN_MAP(), request(0.5)), holdoutGiven: true }, { resume: true })).toThrow(/held-out split held-out 4 of 12 respondents \(--holdout 0.3, seed 5\) there, held-out 6 of 12 respondents \(--holdout 0.5, seed 5\) asked/);
  });
});

describe('training sees the training part only; eval reports both parts apart', () => {
  let model: LlamaModel;
  let work: string;
  beforeAll(async () => {
    model = await loadModel(path.join(FIXTURES, 'llama-f32'), { device: 'cpu' });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-holdout-train-'));
  });
  afterAll(async () => {
    await model.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** The model, recording every batch of requests it is asked to score (one batch per candidate). */
  function recording(): { scorer: LlamaModel; batches: ScoreRequest[][] } {
    const batches: ScoreRequest[][] = [];
    const scorer = Object.create(model) as LlamaModel;
    scorer.score = (requests, options) => (batches.push(requests), model.score(requests, options));
    scorer.scoreCandidates = (requests, prompts, options) => {
      for (const _ of prompts) batches.push(requests);
      return model.scoreCandidates(requests, prompts, options);
    };
    return { scorer, batches };
  }

  const key = (r: ScoreRequest) => JSON.stringify(r);

  for (const [name, spec, target, perCandidate] of [
    // 7 of 10 questions train, each asked by 2 variants.
    ['GlobalOpinionQA', goqa({ variants: '2' }), opinionTarget(10), (10 - heldOutCount(0.3, 10)) * 2],
    // Every map question (8 scales, Y002, 4 Y003 qualities) of 2 training respondents, each in both option orders.
    ['the Inglehart-Welzel map', map({ variants: '2' }), JAPAN_MAP(), 2 * 2 * (8 + 1 + 4)],
  ] as const) {
    it(`${name}: every request of the search is a training-part request, none a held-out one`, async () => {
      const dir = path.join(work, name.replace(/\W+/g, '-'));
      const info = newRunInfo(
        runDefinition('Japan', target, { instrument: spec, softPrompt: { k: 2, init: 'vocab', placement: 'start' }, search: { space: 'subspace', dim: 8, strategy: 'shade', pop: 4, budget: 8, seed: 6 } }),
        model,
        'test',
      );
      const split = info.holdout as HoldoutSplit;
      const { scorer, batches } = recording();
      await train(dir, info, scorer, { calibrationCacheDir: calibrationCacheDir(readSettings()) });
      expect(batches).toHaveLength(8);
      for (const batch of batches) expect(batch).toHaveLength(perCandidate);
      const sideRequests = (side: 'train' | 'heldOut') => new Set(prepareInstrument(model.tokenizer, spec, target, undefined, { split, side }).requests.map(key));
      const [trainPart, heldOutPart] = [sideRequests('train'), sideRequests('heldOut')];
      const asked = new Set(batches.flat().map(key));
      // Seed 6 holds out p1, whom an unsplit map run would ask first.
      expect([...asked].sort()).toEqual([...trainPart].sort());
      expect([...asked].filter((r) => heldOutPart.has(r))).toEqual([]);

      // eval: the held-out part as the result, the training part apart, for a baseline and the prompt.
      for (const condition of ['none', 'soft'] as const) {
        const { record } = await evaluateSubject(model, runSubject(dir, condition), { culturalBench: { available: false, reason: 'not here' }, seed: '0', bootstrap: 10, version: 'test' });
        expect(record.holdout).toEqual(split);
        expect(record.inSample).toBeDefined();
        if (name === 'GlobalOpinionQA') {
          const texts = (ids: readonly string[]) => ids.map((i) => (target.reference as { questions: { question: string }[] }).questions[Number(i)].question);
          const perQuestion = (d: unknown) => (d as { perQuestion: { question: string; similarity: number }[] }).perQuestion;
          const held = perQuestion(record.result.details);
          expect(held.map((q) => q.question)).toEqual(texts(split.heldOut));
          expect(perQuestion(record.inSample!.details).map((q) => q.question)).toEqual(texts(split.train));
          expect(record.result.scores.similarity).toBeCloseTo(held.reduce((s, q) => s + q.similarity, 0) / held.length, 12);
        }
        const lines = formatEvalRecord(record).join('\n');
        expect(lines).toContain(`held-out ${split.heldOut.length} of ${split.heldOut.length + split.train.length}`);
        expect(lines).toContain('loss in-sample (the training part, not held out)');
      }
      const rows = collectReport([dir]).rows.map(flatRow);
      expect(rows.map((r) => [r.condition, r.split])).toEqual([['none', 'held-out'], ['soft', 'held-out']]);
      const soft = JSON.parse(fs.readFileSync(path.join(dir, 'eval-soft.json'), 'utf8'));
      expect(rows[1].in_sample_loss).toBe(soft.inSample.loss.value);
      expect(rows[1].loss).toBe(soft.result.loss.value);

      // An eval file written before splits reads as in-sample.
      const { holdout: _h, inSample: _i, ...old } = soft;
      fs.writeFileSync(path.join(dir, 'eval-soft.json'), JSON.stringify(old));
      expect(collectReport([dir]).rows.map(flatRow)[1]).toMatchObject({ split: 'in-sample (no split)', in_sample_loss: null });
    });
  }
});
