import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvalFile, readEvalRecord, type EvalRecord } from '../src/eval/eval-record.ts';
import { cultune } from './helpers/in-process.ts';
import { CULTURALBENCH_DATA } from './helpers/paths.ts';
import { makeRunFolder } from './helpers/run-folder.ts';
import { tempDirs } from './helpers/temp-dirs.ts';

const QUICK = ['--culturalbench-data', CULTURALBENCH_DATA, '--limit', '3', '--variants', '1', '--bootstrap', '200', '--device', 'cpu', '--no-download'];
/** The line openModel writes once per model load. */
const LOADS = /on cpu, tree plan/g;

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const readLines = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const withoutTime = ({ createdAt: _createdAt, ...rest }: { createdAt: string }) => rest;

/** Softmax over the options' log-likelihoods, then the probability-weighted option value: the expected answer. */
function expectedAnswer(loglikelihoods: number[], values: number[]): number {
  const max = Math.max(...loglikelihoods);
  const weights = loglikelihoods.map((l) => Math.exp(l - max));
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.reduce((s, w, i) => s + (w / total) * values[i], 0);
}

/** The first highest log-likelihood. */
const argmax = (values: number[]) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;

describe('cultune eval --conditions / --instruments / --log-samples', () => {
  const temp = tempDirs('eval-multi');

  it('evaluates three conditions with one model load, each file as three separate calls write it', async () => {
    const together = path.join(temp(), 'SA-s1');
    const apart = path.join(temp(), 'SA-s1');
    makeRunFolder(together, 'SA');
    makeRunFolder(apart, 'SA');
    const one = await cultune(['eval', together, '--conditions', 'none,persona,soft', ...QUICK]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr.match(LOADS)).toHaveLength(1);
    let separateLoads = 0;
    for (const args of [['--baseline', 'none'], ['--baseline', 'persona'], []]) {
      const call = await cultune(['eval', apart, ...args, ...QUICK]);
      expect(call.code, call.stderr).toBe(0);
      separateLoads += call.stderr.match(LOADS)?.length ?? 0;
    }
    expect(separateLoads).toBe(3);
    for (const condition of ['none', 'persona', 'soft']) {
      const file = `eval-${condition}.json`;
      expect(withoutTime(readJson(path.join(together, file)))).toEqual(withoutTime(readJson(path.join(apart, file))));
      const { date: _a, ...results } = readJson(path.join(together, `results-${condition}.json`));
      const { date: _b, ...resultsApart } = readJson(path.join(apart, `results-${condition}.json`));
      expect(results).toEqual(resultsApart);
    }
    expect(readEvalRecord(path.join(together, 'eval-soft.json')).trainedTo).toEqual({ generations: 2, finished: false });
  });

  it('--instruments culturalbench asks CulturalBench alone; the record has no instrument part and the report lists it in its notes', async () => {
    const run = path.join(temp(), 'SA-s1');
    makeRunFolder(run, 'SA');
    const result = await cultune(['eval', run, '--instruments', 'culturalbench', ...QUICK]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('VSM 2013 not asked (--instruments culturalbench)');
    const file = path.join(run, 'eval-soft.json');
    const record = readEvalFile(file);
    for (const key of ['result', 'holdout', 'inSample', 'intervals']) expect(record).not.toHaveProperty(key);
    expect(record.instrument.name).toBe('vsm13');
    expect(record.culturalbench.available).toBe(true);
    expect(() => readEvalRecord(file)).toThrow(/holds CulturalBench only/);
    const results = readJson(path.join(run, 'results-soft.json'));
    expect(Object.keys(results.results)).toEqual(['culturalbench_easy', 'culturalbench_hard']);

    const out = path.join(temp(), 'report');
    const report = await cultune(['report', run, '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    const notes: string[] = readJson(path.join(out, 'report.json')).notes;
    expect(notes.some((note) => /SA-s1, soft: CulturalBench only, Easy 0\.\d+/.test(note))).toBe(true);

    const instrumentOnly = await cultune(['eval', run, '--instruments', 'vsm13', '--variants', '1', '--bootstrap', '50', '--device', 'cpu']);
    expect(instrumentOnly.code, instrumentOnly.stderr).toBe(0);
    const cb = readEvalRecord(file).culturalbench;
    expect(cb).toEqual({ available: false, reason: 'CulturalBench not asked (--instruments vsm13)' });
  });

  it('refuses flag combinations that make no sense in one line, before the model loads', async () => {
    const run = path.join(temp(), 'SA-s1');
    makeRunFolder(run, 'SA');
    const cases: [string[], RegExp][] = [
      [['--instruments', 'multitp'], /^cultune: --instruments: multitp is neither this evaluation's instrument \(vsm13\) nor a task \(culturalbench\); give --instruments vsm13,culturalbench or one of them\n$/],
      [['--baseline', 'none', '--conditions', 'persona'], /^cultune: --baseline none is --conditions none: give one of them\n$/],
      [['--instruments', 'vsm13', '--limit', '3'], /^cultune: --culturalbench-data and --limit are for CulturalBench, which --instruments vsm13 leaves out\n$/],
      [['--conditions', 'soft,soft'], /each condition once/],
      [['--front', '--conditions', 'none'], /^cultune: --front evaluates its own conditions .*leave out --conditions, --instruments and --log-samples\n$/],
    ];
    for (const [args, message] of cases) {
      const result = await cultune(['eval', run, ...args]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(LOADS);
    }
    const noRun = await cultune(['eval', '--conditions', 'none,soft', '--country', 'US', '--out', temp()]);
    expect(noRun.stderr).toMatch(/^cultune: the soft condition is a run's prompt: give its run folder .*\n$/);
  });

  it('--log-samples: one line per request, whose log-likelihoods give the record back', async () => {
    const run = path.join(temp(), 'SA-s1');
    makeRunFolder(run, 'SA');
    const result = await cultune(['eval', run, '--log-samples', ...QUICK]);
    expect(result.code, result.stderr).toBe(0);
    const record: EvalRecord = readEvalRecord(path.join(run, 'eval-soft.json'));
    const cb = record.culturalbench;
    if (!cb.available) throw new Error(cb.reason);

    // VSM 2013 with one variant: each of its items once; an item's mean answer is its expected answer.
    const items = readLines(path.join(run, 'samples-soft-vsm13.jsonl'));
    const itemMeans = (record.result.details as { itemMeans: { expected: number[] } }).itemMeans.expected;
    expect(items).toHaveLength(itemMeans.length);
    items.forEach((sample, i) => {
      expect(sample).toMatchObject({ doc_id: i, task: 'cultune_vsm13', prompt: expect.stringContaining('\n') });
      expect(sample.loglikelihoods).toHaveLength(sample.options.length);
      expect(sample.expected).toBeCloseTo(expectedAnswer(sample.loglikelihoods, sample.optionValues), 12);
      expect(sample.chosen).toBe(sample.options[argmax(sample.loglikelihoods)]);
      expect(expectedAnswer(sample.loglikelihoods, sample.optionValues)).toBeCloseTo(itemMeans[Number(sample.item) - 1], 9);
    });

    // CulturalBench: Easy asks a cloze request and four letter rotations, Hard four statements.
    const lines = readLines(path.join(run, 'samples-soft-culturalbench.jsonl'));
    const easy = lines.filter((l) => l.task === 'culturalbench_easy');
    const hard = lines.filter((l) => l.task === 'culturalbench_hard');
    expect(easy).toHaveLength(5 * cb.questions.easy);
    expect(hard).toHaveLength(4 * cb.questions.hard);
    const byQuestion = (samples: typeof lines) => {
      const groups = new Map<number, typeof lines>();
      for (const s of samples) groups.set(s.doc_id, [...(groups.get(s.doc_id) ?? []), s]);
      return [...groups.values()];
    };
    // Easy letter: the first highest letter is right when it shows the answer; mean over rotations, strict under all four.
    const letterRight = byQuestion(easy.filter((s) => s.asked.startsWith('letter'))).map((q) => q.map((s) => (argmax(s.loglikelihoods) === s.target ? 1 : 0)));
    expect(letterRight.every((q) => q.length === 4)).toBe(true);
    expect(mean(letterRight.map((q) => mean(q)))).toBeCloseTo(cb.easy.mean.value as number, 12);
    expect(mean(letterRight.map((q) => (q.every(Boolean) ? 1 : 0)))).toBeCloseTo(cb.easy.strict.value as number, 12);
    // Hard: a statement is judged true when " True" is likelier than " False"; a question counts when all four are right.
    const hardRight = byQuestion(hard).map((q) => q.every((s) => (s.loglikelihoods[0] > s.loglikelihoods[1] ? 0 : 1) === s.target));
    expect(mean(hardRight.map(Number))).toBeCloseTo(cb.hard.value as number, 12);
    for (const s of hard) expect(s.options).toEqual(['True', 'False']);
  });

  it("results-<condition>.json follows lm-evaluation-harness's results layout, field by field", async () => {
    const run = path.join(temp(), 'SA-s1');
    makeRunFolder(run, 'SA');
    expect((await cultune(['eval', run, '--conditions', 'persona', ...QUICK])).code).toBe(0);
    const record = readEvalRecord(path.join(run, 'eval-persona.json'));
    const cb = record.culturalbench;
    if (!cb.available) throw new Error(cb.reason);
    const results = readJson(path.join(run, 'results-persona.json'));
    const tasks = ['cultune_vsm13', 'culturalbench_easy', 'culturalbench_hard'];
    expect(Object.keys(results)).toEqual(['results', 'configs', 'versions', 'n-shot', 'higher_is_better', 'n-samples', 'config', 'date', 'model_name']);
    // A 95 % percentile interval read as a normal one: its width is 2 × 1.96 standard errors; none without bounds.
    const stderr = ([low, high]: [number | null, number | null]) => (low === null || high === null ? 'N/A' : (high - low) / (2 * 1.959963984540054));
    const scoreNames = Object.keys(record.result.scores);
    expect(results.results.cultune_vsm13).toEqual({
      alias: 'cultune_vsm13',
      'loss,none': record.result.loss.value,
      'loss_stderr,none': stderr(record.intervals!.loss.ci95),
      ...Object.fromEntries(scoreNames.flatMap((n) => [[`${n},none`, record.result.scores[n]], [`${n}_stderr,none`, stderr(record.intervals!.scores[n].ci95)]])),
    });
    expect(results.results.culturalbench_easy).toEqual({
      alias: 'culturalbench_easy',
      'mean,none': cb.easy.mean.value,
      'mean_stderr,none': stderr(cb.easy.mean.ci95),
      'strict,none': cb.easy.strict.value,
      'strict_stderr,none': stderr(cb.easy.strict.ci95),
    });
    expect(results.results.culturalbench_hard).toEqual({ alias: 'culturalbench_hard', 'accuracy,none': cb.hard.value, 'accuracy_stderr,none': stderr(cb.hard.ci95) });
    expect(Object.keys(results.configs)).toEqual(tasks);
    expect(results.configs.culturalbench_hard).toEqual({
      task: 'culturalbench_hard',
      dataset_path: 'kellycyy/CulturalBench (CulturalBench-Hard)',
      output_type: 'multiple_choice',
      num_fewshot: 0,
      metric_list: [{ metric: 'accuracy', aggregation: 'mean', higher_is_better: true }],
      metadata: { version: record.cultune, condition: 'persona', country: 'Saudi Arabia' },
    });
    expect(results.configs.cultune_vsm13.metric_list.map((m: { metric: string }) => m.metric)).toEqual(['loss', ...scoreNames]);
    expect(results.versions).toEqual(Object.fromEntries(tasks.map((t) => [t, record.cultune])));
    expect(results['n-shot']).toEqual(Object.fromEntries(tasks.map((t) => [t, 0])));
    expect(results.higher_is_better.cultune_vsm13.loss).toBe(false);
    expect(results.higher_is_better.culturalbench_easy).toEqual({ mean: true, strict: true });
    expect(results['n-samples']).toEqual({
      cultune_vsm13: { original: record.intervals!.units, effective: record.intervals!.units },
      culturalbench_easy: { original: cb.questions.easy, effective: cb.questions.easy },
      culturalbench_hard: { original: cb.questions.hard, effective: cb.questions.hard },
    });
    expect(results.config).toEqual({
      model: 'cultune',
      model_args: `pretrained=${record.model.dir},condition=persona,placement=start,run=SA-s1`,
      batch_size: null,
      device: null,
      limit: 3,
      bootstrap_iters: 200,
      random_seed: '0',
    });
    expect(results.date).toBe(Date.parse(record.createdAt) / 1000);
    expect(results.model_name).toBe(record.model.dir);
  });
});
