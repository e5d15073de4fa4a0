import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../src/embedding/index.ts';
import { readEvalRecord, type EvalRecord } from '../src/eval/eval-record.ts';
import { EVAL_CONDITIONS } from '../src/eval/conditions.ts';
import { DIMENSIONS } from '../src/targets/index.ts';
import { runCli } from './helpers/cli.ts';
import { CULTURALBENCH_DATA as CULTURALBENCH, REPO } from './helpers/paths.ts';

/** The numbers report.json and report.csv must carry for one eval record, column by column. */
function expectedColumns(record: EvalRecord): Record<string, number | null> {
  const cb = record.culturalbench;
  return {
    loss: record.result.loss.value,
    ...Object.fromEntries(DIMENSIONS.map((d) => [`model_${d}`, record.result.scores[d]])),
    ...Object.fromEntries(DIMENSIONS.map((d) => [`target_${d}`, record.result.target[d] ?? null])),
    easy_mean: cb.available ? cb.easy.mean.value : null,
    easy_strict: cb.available ? cb.easy.strict.value : null,
    hard: cb.available ? cb.hard.value : null,
    hard_lo: cb.available ? cb.hard.ci95[0] : null,
  };
}

/** Checks the demo's files: eval records, PEFT export, and a report whose numbers are the records'. */
function checkOutputs(out: string, stderr: string): EvalRecord[] {
  const run = path.join(out, 'SA-demo');
  const records = EVAL_CONDITIONS.map((condition) => readEvalRecord(path.join(run, `eval-${condition}.json`)));
  const result = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8'));
  // The eval path scores the saved prompt again, alone, on the training part of the run's split: it must
  // find the loss training recorded for it, up to the rounding that differs when training scored it in
  // a pass beside other candidates. The held-out part is the record's result.
  expect(records[2].condition).toBe('soft');
  expect(records[2].holdout?.by).toBe('respondent');
  expect(Math.abs(records[2].inSample!.loss.value - result.best.loss.value)).toBeLessThan(1e-5);

  const exported = path.join(run, 'export-peft');
  const { tensors } = decodeSafetensors(fs.readFileSync(path.join(exported, 'adapter_model.safetensors')));
  const prompt = JSON.parse(fs.readFileSync(path.join(run, 'prompt.json'), 'utf8'));
  expect(Array.from(tensors.prompt_embeddings.data)).toEqual(Array.from(Float32Array.from(prompt.data)));
  const metadata = JSON.parse(fs.readFileSync(path.join(exported, 'cultune_metadata.json'), 'utf8'));
  expect(metadata.bestLoss).toBe(result.best.loss.value);
  // The objective's settings and the soft prompt's record travel with the export.
  expect(metadata.instrument).toEqual(JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).instrument);
  expect(metadata.softPrompt).toEqual({ k: 4, init: 'text', initText: 'You are a person from Saudi Arabia.', placement: 'start' });
  const adapter = JSON.parse(fs.readFileSync(path.join(exported, 'adapter_config.json'), 'utf8'));
  expect([adapter.num_virtual_tokens, adapter.prompt_tuning_init, adapter.prompt_tuning_init_text]).toEqual([4, 'TEXT', 'You are a person from Saudi Arabia.']);
  expect(fs.existsSync(path.join(exported, 'adapter_config.json'))).toBe(true);

  const report = path.join(out, 'report');
  for (const name of ['report.md', 'report.csv', 'report.json', 'report.html']) expect(stderr).toContain(path.join(report, name));
  for (const condition of EVAL_CONDITIONS) expect(stderr).toContain(path.join(run, `eval-${condition}.json`));
  const json = JSON.parse(fs.readFileSync(path.join(report, 'report.json'), 'utf8'));
  const csv: Record<string, string>[] = parse(fs.readFileSync(path.join(report, 'report.csv'), 'utf8'), { columns: true });
  expect(json.rows.map((r: { condition: string }) => r.condition)).toEqual(EVAL_CONDITIONS);
  records.forEach((record, i) => {
    for (const [column, value] of Object.entries(expectedColumns(record))) {
      expect(json.rows[i][column], column).toBe(value);
      expect(csv[i][column] === '' ? null : Number(csv[i][column]), column).toBe(value);
    }
  });
  const markdown = fs.readFileSync(path.join(report, 'report.md'), 'utf8');
  for (const record of records) {
    // The held-out loss (its interval after it), the C-free rank agreement, then the in-sample loss in a column of its own.
    expect(markdown).toMatch(new RegExp(`\\| SA-demo \\| ${record.condition} \\| classify \\| held-out \\| ${record.result.loss.value.toFixed(2)}[^|]* \\| [^|]* \\| ${record.inSample!.loss.value.toFixed(2)} \\|`));
  }
  expect(fs.readFileSync(path.join(report, 'report.html'), 'utf8')).toContain('<svg');
  return records;
}

describe('cultune demo', () => {
  let work: string;
  let env: Record<string, string>;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-demo-'));
    // A fresh cache: the demo generates its own model, as on a fresh clone.
    env = { CULTUNE_CACHE: path.join(work, 'cache') };
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('trains, evaluates prompt and baselines on VSM13 and CulturalBench, exports and reports', () => {
    const out = path.join(work, 'out');
    const demo = runCli(['demo', '--out', out, '--culturalbench-data', CULTURALBENCH], { env });
    expect(demo.code, demo.stderr).toBe(0);
    const records = checkOutputs(out, demo.stderr);
    // CulturalBench is restricted to the trained country's questions: count them in the CSV itself.
    const rows: Record<string, string>[] = parse(fs.readFileSync(path.join(CULTURALBENCH, 'CulturalBench-Easy.csv'), 'utf8'), { columns: true });
    const saudi = rows.filter((r) => r.country === 'Saudi Arabia').length;
    expect(saudi).toBeGreaterThan(0);
    for (const record of records) {
      const cb = record.culturalbench;
      if (!cb.available) throw new Error(cb.reason);
      expect(cb.country).toBe('Saudi Arabia');
      expect(cb.questions.easy).toBe(saudi);
    }
  });

  it('offline with nothing cached and no --culturalbench-data: the copy shipped with cultune, said in one line, and the trade-off in the report', () => {
    const out = path.join(work, 'offline');
    const cache = fs.mkdtempSync(path.join(work, 'empty-cache-'));
    const demo = runCli(['demo', '--out', out], { env: { CULTUNE_CACHE: cache, HF_ENDPOINT: 'http://127.0.0.1:9' } });
    expect(demo.code, demo.stderr).toBe(0);
    // Counted from the shipped files: Easy questions whose four options differ (the others are set aside), Hard question ids.
    const shipped = path.join(REPO, 'data/culturalbench');
    const easy: Record<string, string>[] = parse(fs.readFileSync(path.join(shipped, 'CulturalBench-Easy.csv'), 'utf8'), { columns: true });
    const asked = easy.filter((r) => new Set(['a', 'b', 'c', 'd'].map((o) => r[`prompt_option_${o}`])).size === 4);
    const hard: Record<string, string>[] = parse(fs.readFileSync(path.join(shipped, 'CulturalBench-Hard.csv'), 'utf8'), { columns: true });
    const hardQuestions = new Set(hard.map((r) => r.question_idx)).size;
    const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');
    expect(demo.stderr.split('\n').filter((l) => l.startsWith('CulturalBench'))).toEqual([
      expect.stringMatching(new RegExp(`^CulturalBench: the copy shipped with cultune \\(Easy ${thousands(asked.length)} questions, Hard slice of ${hardQuestions}\\); none in the cache: .*HF_ENDPOINT`)),
    ]);
    const records = checkOutputs(out, demo.stderr);
    const saudi = asked.filter((r) => r.country === 'Saudi Arabia').length;
    for (const record of records) {
      const cb = record.culturalbench;
      if (!cb.available) throw new Error(cb.reason);
      expect(cb.questions.easy).toBe(saudi);
    }
    // The trade-off is drawn: one marker per condition, on an accuracy axis with chance.
    const html = fs.readFileSync(path.join(out, 'report/report.html'), 'utf8');
    const tradeOff = html.slice(html.indexOf('<h2>Trade-off'), html.indexOf('</section>', html.indexOf('<h2>Trade-off')));
    expect(tradeOff.match(/class="point"/g)).toHaveLength(EVAL_CONDITIONS.length);
    expect(tradeOff).toContain('>chance</text>');
    // Next to the VSM 2013 bars, the page states the constants C of the run, as run.json stores them.
    const { constants } = JSON.parse(fs.readFileSync(path.join(out, 'SA-demo/run.json'), 'utf8')).instrument.settings;
    const bars = html.slice(html.indexOf('model vs target</h2>'), html.indexOf('</section>', html.indexOf('model vs target</h2>')));
    const stated = /<p class="meta scale">constants C: ([^<]*)<\/p>/.exec(bars);
    expect(stated, 'constants C beside the bars').not.toBeNull();
    for (const [dimension, value] of Object.entries(constants.values as Record<string, number>)) expect(stated![1]).toContain(`${dimension} ${value.toFixed(1)}`);
  });

  it('without CulturalBench says so in one line and reports the instrument alone', () => {
    const out = path.join(work, 'out');
    const missing = path.join(work, 'no-data');
    const demo = runCli(['demo', '--out', out, '--culturalbench-data', missing], { env });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stderr.split('\n').filter((l) => l.includes('CulturalBench unavailable'))).toEqual([
      expect.stringMatching(/^CulturalBench unavailable from .*no-data: .*; reporting VSM 2013 alone$/),
    ]);
    const records = checkOutputs(out, demo.stderr);
    for (const record of records) expect(record.culturalbench.available).toBe(false);
    const notes: string[] = JSON.parse(fs.readFileSync(path.join(out, 'report/report.json'), 'utf8')).notes;
    expect(notes).toHaveLength(EVAL_CONDITIONS.length);
  });
});
