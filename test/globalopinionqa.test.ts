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
  isOrdinal,
  jensenShannonDistance,
  loadGlobalOpinions,
  parseGlobalOpinionsCsv,
  parseOpinionPairsJson,
  parsePythonLiteral,
  similarity,
  wassersteinOrdinal,
  type OpinionReference,
  type OpinionScores,
} from '../src/instruments/globalopinionqa/index.ts';
import { FakeScorer, type Judge } from './fixtures/culturalbench/fake-model.ts';
import { REPO, SHARED } from './helpers/paths.ts';

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
        const first = await loadGlobalOpinions({ download: true, cacheDir, baseUrl: `${baseUrl}/good` });
        expect(first.file.origin).toBe('download');
        const again = await loadGlobalOpinions({ download: false, cacheDir, baseUrl: `${baseUrl}/good` });
        expect(again.file.origin).toBe('cache');
        expect(again.questions).toEqual(first.questions);
        expect(requests.filter((r) => r.startsWith('/good'))).toHaveLength(1);
        // The hash recorded at the first download guards the cache.
        fs.appendFileSync(path.join(cacheDir, 'global_opinions.csv'), '\n');
        await expect(loadGlobalOpinions({ download: false, cacheDir })).rejects.toThrow(/global_opinions\.csv is damaged \(sha256 /);

        const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-goqa-'));
        await expect(loadGlobalOpinions({ download: true, cacheDir: empty, baseUrl: `${baseUrl}/bad` })).rejects.toThrow(/row 2: not a Python literal/);
        expect(fs.readdirSync(empty)).toEqual([]);
        await expect(loadGlobalOpinions({ download: false, cacheDir: empty })).rejects.toThrow(/not cached and downloads are disabled/);
        await expect(loadGlobalOpinions({ download: true, cacheDir: empty, baseUrl: `${baseUrl}/none` })).rejects.toThrow(/HTTP 404/);
      } finally {
        fs.rmSync(cacheDir, { recursive: true, force: true });
      }
    });
  });
});

describe('similarity', () => {
  it('Wasserstein-1 over ordinal positions, normalised to [0, 1]', () => {
    expect(wassersteinOrdinal([1, 0, 0, 0], [0, 0, 0, 1])).toBe(1);
    // CDF differences 0.5, 0.5, 0: (0.5 + 0.5) / 3.
    expect(wassersteinOrdinal([0.5, 0.5, 0, 0], [0, 0.5, 0.5, 0])).toBeCloseTo(1 / 3, 12);
    expect(wassersteinOrdinal([2, 2, 0], [1, 1, 0])).toBe(0); // shares are renormalised
  });

  it('Jensen-Shannon distance, base 2', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannonDistance([0.3, 0.7], [0.3, 0.7])).toBe(0);
    // p = (1, 0), q = (0.5, 0.5): m = (0.75, 0.25); JSD = (log2(4/3) + 0.5 log2(2/3) + 0.5 log2(2)) / 2.
    const jsd = (Math.log2(1 / 0.75) + 0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(0.5 / 0.25)) / 2;
    expect(jensenShannonDistance([1, 0], [0.5, 0.5])).toBeCloseTo(Math.sqrt(jsd), 12);
  });

  it('ordinal scales use Wasserstein over the substantive options, nominal questions Jensen-Shannon', () => {
    const scale = ['Very good', 'Somewhat good', 'Somewhat bad', 'Very bad', 'DK/Refused'];
    expect(isOrdinal(scale)).toBe(true);
    expect(isOrdinal(['Yes', 'No', "Don't know"])).toBe(false);
    expect(isOrdinal(['The United States', 'China', 'Russia'])).toBe(false);
    expect(isOrdinal(['1', '2', '3', '4', 'No answer'])).toBe(true);
    // The "DK/Refused" share is dropped and the rest renormalised before the distance.
    const ordinal = similarity(scale, [0.5, 0.5, 0, 0, 0.2], [0, 0.5, 0.5, 0, 0.6]);
    expect(ordinal).toEqual({ kind: 'ordinal', value: 1 - wassersteinOrdinal([0.5, 0.5, 0, 0], [0, 0.5, 0.5, 0]) });
    expect(similarity(['Yes', 'No'], [1, 0], [0, 1])).toEqual({ kind: 'nominal', value: 1 - jensenShannonDistance([1, 0], [0, 1]) });
  });
});

describe('the globalopinionqa instrument', () => {
  beforeAll(async () => {
    await GLOBAL_OPINION_QA.loadData?.({ data: path.join(SAMPLES, 'global_opinions.csv'), download: false });
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
    const target = GLOBAL_OPINION_QA.target({ country: 'China' });
    const ref = target.reference as OpinionReference;
    expect(ref.label).toBe('China');
    expect([ref.questions.length, ref.skipped]).toEqual([3, 1]);
  });

  it("compares the model's averaged option distribution with the country's, question by question", async () => {
    // A reader that always prefers the first option shown: over a forward and a reversed variant it
    // gives the first and the last option of each question half the mass each (up to exp(-3) leaks).
    const judge: Judge = (_prompt, answers) => answers.map((_, i) => (i === 0 ? 0 : -3));
    const scorer = new FakeScorer(judge);
    const spec = { instrument: GLOBAL_OPINION_QA, settings: GLOBAL_OPINION_QA.settings({ variants: '2', questions: '5' }) };
    const target = GLOBAL_OPINION_QA.target({ country: 'Japan' });
    const result = await prepareObjective(scorer, spec, target).evaluate();
    expect(scorer.calls.map((c) => c.requests)).toEqual([2 * 5]);
    const details = result.details as OpinionScores;
    const ref = target.reference as OpinionReference;
    expect(details.perQuestion).toHaveLength(5);
    details.perQuestion.forEach((q, i) => {
      const n = ref.questions[i].options.length;
      const shown = [1, ...new Array(n - 1).fill(Math.exp(-3))];
      const first = shown.map((v) => v / shown.reduce((s, x) => s + x, 0));
      const expected = first.map((v, k) => (v + first[n - 1 - k]) / 2);
      q.model.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 12));
      const independent = similarity(ref.questions[i].options, expected, ref.questions[i].distribution);
      expect(q.kind).toBe(independent.kind);
      expect(q.similarity).toBeCloseTo(independent.value, 12);
    });
    const mean = details.perQuestion.reduce((s, q) => s + q.similarity, 0) / 5;
    expect(result.scores).toEqual({ similarity: mean });
    expect(result.loss.value).toBeCloseTo(1 - mean, 12);
    expect(result.target).toEqual({});
  });
});
