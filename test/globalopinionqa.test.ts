import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareObjective } from '../src/instruments/index.ts';
import {
  GLOBAL_OPINION_QA,
  countryLabel,
  jensenShannonDistance,
  loadGlobalOpinions,
  parseGlobalOpinionsCsv,
  parseOpinionPairsJson,
  parsePythonLiteral,
  questionSimilarity,
  type OpinionData,
  wassersteinOrdinal,
  type OpinionReference,
  type OpinionScores,
  type OpinionSettings,
} from '../src/instruments/globalopinionqa/index.ts';
import { FakeScorer, type Judge } from './fixtures/culturalbench/fake-model.ts';
import { REPO, SHARED } from './helpers/paths.ts';
import { readSettings } from '../src/util/settings.ts';

const SAMPLES = path.join(REPO, 'test/fixtures/globalopinionqa');
const csvBytes = fs.readFileSync(path.join(SAMPLES, 'global_opinions.csv'));

describe('reading GlobalOpinionQA', () => {
  it("reads the Hub file's Python literals", () => {
    expect(parsePythonLiteral("defaultdict(<class 'list'>, {'Britain': [0.5, 0.25], \"Côte d'Ivoire\": [1e-2, nan]})")).toEqual({ Britain: [0.5, 0.25], "Côte d'Ivoire": [0.01, NaN] });
    expect(parsePythonLiteral("['Don\\'t know', \"It's fine\", 'a\\\\b']")).toEqual(["Don't know", "It's fine", 'a\\b']);
    expect(() => parsePythonLiteral("['open")).toThrow(/unterminated string/);
  });

  it('the Hub CSV and the per-pair JSON give the same questions', () => {
    const fromCsv = parseGlobalOpinionsCsv(csvBytes.toString('utf8'), 'csv');
    const fromJson = parseOpinionPairsJson(fs.readFileSync(path.join(SAMPLES, 'opinions-sample.json'), 'utf8'), 'json');
    expect(fromCsv).toEqual(fromJson);
    const pairs = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'opinions-sample.json'), 'utf8')) as { country: string; distribution: number[] }[];
    expect(fromCsv.reduce((n, q) => n + Object.keys(q.selections).length, 0)).toBe(pairs.length);
  });

  it.skipIf(!fs.existsSync(path.join(SHARED, 'data/globalopinionqa')))('reads the whole shared subset (4,633 pairs, 130 country labels, 9 all-zero)', () => {
    const questions = parseOpinionPairsJson(fs.readFileSync(path.join(SHARED, 'data/globalopinionqa/awesel_eval_subset.json'), 'utf8'), 'subset');
    const pairs = questions.flatMap((q) => Object.values(q.selections));
    expect(pairs).toHaveLength(4633);
    expect(new Set(questions.flatMap((q) => Object.keys(q.selections))).size).toBe(130);
    expect(pairs.filter((d) => !d.some((v) => v > 0))).toHaveLength(9);
  });

  describe('download and cache', () => {
    let server: http.Server;
    let baseUrl: string;
    const requests: string[] = [];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        requests.push(req.url ?? '');
        if (req.url === '/good/global_opinions.csv') res.writeHead(200).end(csvBytes);
        else if (req.url === '/bad/global_opinions.csv') res.writeHead(200).end('question,selections,options\n"q","{oops","[]"\n');
        else res.writeHead(404).end('not found');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('downloads once, then reads the verified cache; a bad file is never cached', async () => {
      const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-goqa-'));
      try {
        const first = await loadGlobalOpinions({ download: true, cacheDir, baseUrl: `${baseUrl}/good` }, readSettings());
        expect(first.file.origin).toBe('download');
        const again = await loadGlobalOpinions({ download: false, cacheDir, baseUrl: `${baseUrl}/good` }, readSettings());
        expect(again.file.origin).toBe('cache');
        expect(again.questions).toEqual(first.questions);
        expect(requests.filter((r) => r.startsWith('/good'))).toHaveLength(1);
        // The hash recorded at the first download guards the cache.
        fs.appendFileSync(path.join(cacheDir, 'global_opinions.csv'), '\n');
        await expect(loadGlobalOpinions({ download: false, cacheDir }, readSettings())).rejects.toThrow(/global_opinions\.csv is damaged \(sha256 /);

        const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-goqa-'));
        await expect(loadGlobalOpinions({ download: true, cacheDir: empty, baseUrl: `${baseUrl}/bad` }, readSettings())).rejects.toThrow(/row 2: not a Python literal/);
        expect(fs.readdirSync(empty)).toEqual([]);
        await expect(loadGlobalOpinions({ download: false, cacheDir: empty }, readSettings())).rejects.toThrow(/not cached and downloads are disabled/);
        await expect(loadGlobalOpinions({ download: true, cacheDir: empty, baseUrl: `${baseUrl}/none` }, readSettings())).rejects.toThrow(/HTTP 404/);
      } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true });
      }
    });
  });
});

// The definitions, written out here independently of cultune's code.
const normalise = (p: readonly number[]) => p.map((v) => v / p.reduce((s, x) => s + x, 0));
/** Jensen-Shannon distance, base 2: sqrt of (KL(p || m) + KL(q || m)) / 2 with m the mixture. */
function jsDistance(p: readonly number[], q: readonly number[]): number {
  const [a, b] = [normalise(p), normalise(q)];
  const m = a.map((v, i) => (v + b[i]) / 2);
  let divergence = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > 0) divergence += 0.5 * a[i] * Math.log2(a[i] / m[i]);
    if (b[i] > 0) divergence += 0.5 * b[i] * Math.log2(b[i] / m[i]);
  }
  return Math.sqrt(divergence);
}
/** Wasserstein-1 between distributions over positions 0..n-1 (the L1 distance of their CDFs), divided by n - 1. */
function w1(p: readonly number[], q: readonly number[]): number {
  const [a, b] = [normalise(p), normalise(q)];
  let [ca, cb, total] = [0, 0, 0];
  for (let k = 0; k < a.length; k++) {
    ca += a[k];
    cb += b[k];
    total += Math.abs(ca - cb);
  }
  return total / (a.length - 1);
}

describe('the GlobalOpinionQA metrics', () => {
  it('the distances agree with their definitions', () => {
    const pairs: [number[], number[]][] = [
      [[1, 0], [0, 1]],
      [[0.3, 0.7], [0.3, 0.7]],
      [[1, 0, 0], [0.2, 0.5, 0.3]],
      [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]],
    ];
    for (const [p, q] of pairs) {
      expect(jensenShannonDistance(p, q)).toBeCloseTo(jsDistance(p, q), 12);
      expect(wassersteinOrdinal(p, q)).toBeCloseTo(w1(p, q), 12);
    }
  });

  const model = [0.4, 0.3, 0.2, 0.05, 0.05];
  const country = [0.1, 0.2, 0.3, 0.3, 0.1];
  const scale = ['Great deal', 'Fair amount', 'Not too much', 'Not at all', 'DK/Refused'];

  it('jsd (the default): 1 - Jensen-Shannon distance over every option, "DK/Refused" included (Durmus et al. 2023)', () => {
    expect(questionSimilarity('jsd', scale, model, country)).toEqual({ kind: 'ordinal', measure: 'jsd', value: expect.closeTo(1 - jsDistance(model, country), 12) });
    expect(questionSimilarity('jsd', ['France', 'China', 'India'], [0.5, 0.25, 0.25], [0.2, 0.2, 0.6]).value).toBeCloseTo(1 - jsDistance([0.5, 0.25, 0.25], [0.2, 0.2, 0.6]), 12);
  });

  it('wasserstein: 1 - W1/(n-1) over the scale, answers off it dropped and the rest renormalised', () => {
    const onScale = (p: number[]) => p.slice(0, 4);
    expect(questionSimilarity('wasserstein', scale, model, country)).toEqual({ kind: 'ordinal', measure: 'wasserstein', value: expect.closeTo(1 - w1(onScale(model), onScale(country)), 12) });
    // The same scale listed out of order ("0".."10" appear so in the dataset): positions come from the table, not the listing.
    const listed = ['0', '9', '10', 'DK/Refused', '1', '2', '3', '4', '5', '6', '7', '8'];
    const p = listed.map((_, i) => (i + 1) / 78);
    const q = listed.map((_, i) => (12 - i) / 78);
    const byValue = (d: number[]) => Array.from({ length: 11 }, (_, v) => d[listed.indexOf(String(v))]);
    expect(questionSimilarity('wasserstein', listed, p, q).value).toBeCloseTo(1 - w1(byValue(p), byValue(q)), 12);
  });

  it('wasserstein on binary questions as seed 001: the two answers only, |p - q| of the first', () => {
    const got = questionSimilarity('wasserstein', ['Yes', 'No', 'DK/Refused'], [0.6, 0.2, 0.2], [0.3, 0.6, 0.1]);
    // On the two answers: model (0.75, 0.25), country (1/3, 2/3).
    expect(got).toEqual({ kind: 'binary', measure: 'wasserstein', value: expect.closeTo(1 - Math.abs(0.75 - 0.3 / 0.9), 12) });
    expect(questionSimilarity('wasserstein', ['Adopt our ways', 'Want to be distinct', 'Both (VOL)'], [0.5, 0.5, 0], [1, 0, 0]).value).toBeCloseTo(0.5, 12);
  });

  it('wasserstein falls back to 1 - Jensen-Shannon distance where the options are no scale of the table, or the country answered off the scale only', () => {
    const nominal = ['France', 'China', 'India', "Don't know"];
    expect(questionSimilarity('wasserstein', nominal, [0.4, 0.3, 0.2, 0.1], [0.1, 0.1, 0.7, 0.1])).toEqual({ kind: 'nominal', measure: 'jsd', value: expect.closeTo(1 - jsDistance([0.4, 0.3, 0.2, 0.1], [0.1, 0.1, 0.7, 0.1]), 12) });
    expect(questionSimilarity('wasserstein', scale, model, [0, 0, 0, 0, 1]).measure).toBe('jsd');
  });

  it('legacy-keyword reproduces the rule old run folders were trained with', () => {
    // It read "Great deal / Fair amount / ... " as nominal (no graded keyword in "Fair amount"): Jensen-Shannon over all options.
    expect(questionSimilarity('legacy-keyword', scale, model, country)).toEqual({ kind: 'nominal', measure: 'jsd', value: expect.closeTo(1 - jsDistance(model, country), 12) });
    const graded = ['Very good', 'Somewhat good', 'Somewhat bad', 'Very bad', 'DK/Refused'];
    expect(questionSimilarity('legacy-keyword', graded, model, country)).toEqual({ kind: 'ordinal', measure: 'wasserstein', value: expect.closeTo(1 - w1(model.slice(0, 4), country.slice(0, 4)), 12) });
  });
});

describe('the globalopinionqa instrument', () => {
  let data: OpinionData;
  beforeAll(async () => {
    ({ data } = await GLOBAL_OPINION_QA.loadData!({ data: path.join(SAMPLES, 'global_opinions.csv'), download: false }, readSettings()));
  });

  it("finds a country's label and prefers its national sample", () => {
    const labels = ['Britain', 'India (Current national sample)', 'India (Non-national sample)', 'S. Korea'];
    expect(countryLabel('GB', labels)).toBe('Britain');
    expect(countryLabel('United Kingdom', labels)).toBe('Britain');
    expect(countryLabel('India', labels)).toBe('India (Current national sample)');
    expect(countryLabel('india (non-national sample)', labels)).toBe('India (Non-national sample)');
    expect(countryLabel('KR', labels)).toBe('S. Korea');
    expect(() => countryLabel('France', labels)).toThrow(/GlobalOpinionQA has no answers from France/);
    expect(() => countryLabel('Atlantis', labels)).toThrow(/unknown country "Atlantis"/);
  });

  it('skips and counts all-zero reference distributions', () => {
    const target = GLOBAL_OPINION_QA.target({ country: 'China' }, data);
    const ref = target.reference as OpinionReference;
    expect(ref.label).toBe('China');
    expect([ref.questions.length, ref.skipped]).toEqual([3, 1]);
  });

  /** The model's distribution over a question's options in survey order, for a reader whose log-prob of the letter in place i is logprob(i, n). */
  const balanced = (n: number, logprob: (i: number, n: number) => number) => {
    const shown = normalise(Array.from({ length: n }, (_, i) => Math.exp(logprob(i, n))));
    // Forward, option k is in place k; reversed, in place n - 1 - k. The two are averaged.
    return Array.from({ length: n }, (_, k) => (shown[k] + shown[n - 1 - k]) / 2);
  };
  const japanFive = () => ({ instrument: GLOBAL_OPINION_QA, settings: GLOBAL_OPINION_QA.settings({ questions: '5' }) });

  it("asks Durmus et al.'s default prompt, no respondent sentence, each question in both option orders", () => {
    const target = GLOBAL_OPINION_QA.target({ country: 'Japan' }, data);
    const ref = target.reference as OpinionReference;
    const questions = GLOBAL_OPINION_QA.questions(GLOBAL_OPINION_QA.settings({ questions: '2' }), target);
    expect(questions.map((q) => [q.itemId, q.variantId])).toEqual([['0', 'fwd'], ['1', 'fwd'], ['0', 'rev'], ['1', 'rev']]);
    const { question, options } = ref.questions[0];
    const letters = options.map((_, i) => String.fromCharCode(65 + i));
    expect(questions[0].messages).toEqual([{ role: 'user', content: [question, '', 'Here are the options:', ...options.map((o, i) => `(${letters[i]}) ${o}`)].join('\n') }]);
    expect(questions[2].messages[0].content).toBe([question, '', 'Here are the options:', ...[...options].reverse().map((o, i) => `(${letters[i]}) ${o}`)].join('\n'));
    expect(questions[2].answerKeys).toEqual(letters);
    expect(questions[2].answerValues).toEqual(options.map((_, i) => options.length - 1 - i));
  });

  it('a reader that always takes the first letter and one that always takes the last give the same distributions and similarity', async () => {
    const first: Judge = (_prompt, answers) => answers.map((_, i) => (i === 0 ? 0 : -30));
    const last: Judge = (_prompt, answers) => answers.map((_, i) => (i === answers.length - 1 ? 0 : -30));
    const target = GLOBAL_OPINION_QA.target({ country: 'Japan' }, data);
    const results = [];
    for (const judge of [first, last]) {
      const scorer = new FakeScorer(judge);
      results.push(await prepareObjective(scorer, japanFive(), target).evaluate());
      // Two requests per question, one per option order.
      expect(scorer.calls.map((c) => c.requests)).toEqual([2 * 5]);
    }
    const [a, b] = results.map((r) => r.details as OpinionScores);
    a.perQuestion.forEach((q, i) => q.model.forEach((v, k) => expect(Math.abs(v - b.perQuestion[i].model[k])).toBeLessThan(1e-9)));
    expect(Math.abs(results[0].scores.similarity - results[1].scores.similarity)).toBeLessThan(1e-9);
  });

  it("jsd: the mean over questions of 1 - Jensen-Shannon distance between the balanced model distribution and the country's", async () => {
    const scorer = new FakeScorer((_prompt, answers) => answers.map((_, i) => -0.5 * i));
    const target = GLOBAL_OPINION_QA.target({ country: 'Japan' }, data);
    const result = await prepareObjective(scorer, japanFive(), target).evaluate();
    const details = result.details as OpinionScores;
    const ref = target.reference as OpinionReference;
    const expected = ref.questions.slice(0, 5).map((q) => 1 - jsDistance(balanced(q.options.length, (i) => -0.5 * i), q.distribution));
    details.perQuestion.forEach((q, i) => expect(q.similarity).toBeCloseTo(expected[i], 12));
    const mean = expected.reduce((s, v) => s + v, 0) / 5;
    expect(result.scores.similarity).toBeCloseTo(mean, 12);
    expect(result.loss.value).toBeCloseTo(1 - mean, 12);
    expect([details.metric, details.fellBack, result.loss.metric]).toEqual(['jsd', 0, '1 - mean similarity (jsd)']);
    expect(result.target).toEqual({});
  });

  it('wasserstein: scales and binary questions by W1, the others by Jensen-Shannon, counted', async () => {
    // Japan's first five questions, by their first option: each option's place on its scale (null: off the scale), or nominal.
    const places: Record<string, (number | null)[] | 'nominal'> = {
      'Very good': [0, 1, 2, 3, null],
      France: 'nominal',
      'None of them': [0, 1, 2, 3, null, null, null],
      Yes: [0, 1],
      Increase: [0, 2, 1, null],
    };
    const project = (d: number[], at: (number | null)[]) => {
      const mass = new Array<number>(Math.max(...at.map((p) => p ?? -1)) + 1).fill(0);
      at.forEach((p, i) => p !== null && (mass[p] += d[i]));
      return mass;
    };
    const settings = GLOBAL_OPINION_QA.settings({ questions: '5', metric: 'wasserstein' });
    const target = GLOBAL_OPINION_QA.target({ country: 'Japan' }, data);
    const result = await prepareObjective(new FakeScorer((_prompt, answers) => answers.map((_, i) => -0.5 * i)), { instrument: GLOBAL_OPINION_QA, settings }, target).evaluate();
    const details = result.details as OpinionScores;
    const ref = target.reference as OpinionReference;
    ref.questions.slice(0, 5).forEach((q, i) => {
      const at = places[q.options[0]];
      const model = balanced(q.options.length, (k) => -0.5 * k);
      const want = at === 'nominal' ? 1 - jsDistance(model, q.distribution) : 1 - w1(project(model, at), project(q.distribution, at));
      expect(details.perQuestion[i].similarity, q.options[0]).toBeCloseTo(want, 12);
    });
    expect([details.metric, details.fellBack]).toEqual(['wasserstein', 1]);
    expect(GLOBAL_OPINION_QA.describeSettings(settings).join(' ')).toMatch(/Wasserstein-1/);
  });

  it('a run.json without a metric reads as legacy-keyword with its respondent variants, asked and scored as it was trained', async () => {
    const stored = { variants: 2, questions: 3 } as unknown as OpinionSettings;
    const settings = GLOBAL_OPINION_QA.settings({}, stored);
    expect(settings).toEqual({ metric: 'legacy-keyword', questions: 3, variants: 2 });
    expect(GLOBAL_OPINION_QA.describeSettings(settings).join(' ')).toMatch(/legacy-keyword.*2 respondent variants/);
    const target = GLOBAL_OPINION_QA.target({ country: 'Japan' }, data);
    const questions = GLOBAL_OPINION_QA.questions(settings, target);
    expect(questions).toHaveLength(2 * 3);
    expect(questions[0].messages[0].content).toMatch(/^You are taking part in a survey on values .*\n\n.*\n\nA\. /s);
    // The first question ("Very good ... DK/Refused") was read by keywords as ordinal: Wasserstein over its four substantive options.
    const ref = target.reference as OpinionReference;
    const result = await prepareObjective(new FakeScorer((_prompt, answers) => answers.map((_, i) => -0.5 * i)), { instrument: GLOBAL_OPINION_QA, settings }, target).evaluate();
    const model = balanced(5, (k) => -0.5 * k);
    expect((result.details as OpinionScores).perQuestion[0].similarity).toBeCloseTo(1 - w1(model.slice(0, 4), ref.questions[0].distribution.slice(0, 4)), 12);
    expect(result.loss.metric).toBe('1 - mean similarity (legacy-keyword)');
    // --metric on such a run asks for the current protocol; the stored legacy settings stay as they are otherwise.
    expect(GLOBAL_OPINION_QA.settings({ metric: 'jsd' }, stored)).toEqual({ metric: 'jsd', questions: 3 });
    expect(GLOBAL_OPINION_QA.settings({ questions: '2' }, settings)).toEqual({ metric: 'legacy-keyword', questions: 2, variants: 2 });
    expect(() => GLOBAL_OPINION_QA.settings({ metric: 'l1' })).toThrow(/--metric: "l1" is not one of jsd, wasserstein/);
  });
});
