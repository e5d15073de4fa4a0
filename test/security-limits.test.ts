import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { integerBetween, MAX_TIMER_MS, positiveNumber } from '../src/cli/parsers.ts';
import { loadGlobalOpinions, parseGlobalOpinionsCsv } from '../src/instruments/globalopinionqa/index.ts';
import { decodeModel, encodeModel } from '../src/model/prepare-graph.ts';
import { readFront } from '../src/train/run-files.ts';
import { parseAssignments } from '../src/targets/index.ts';
import type { SetAsideItem } from '../src/util/set-aside.ts';
import { makeGround, removeGround, runBadCase, smallTrainArgs, trainBase, Work, type BadCase, type Ground } from './helpers/bad-inputs.ts';
import { REPO } from './helpers/paths.ts';
import { readSettings } from '../src/util/settings.ts';

/**
 * Limits and input validation (docs/security.md): one table per class. Limits are checked before the
 * model loads; every numeric flag is read in decimal and within its range; data and model files are
 * checked before anything is read from where they point. Each CLI row: one line on stderr naming the
 * problem, a non-zero exit, the case folder as before (helpers/bad-inputs.ts).
 */

let ground: Ground;
beforeAll(() => {
  ground = makeGround('security-limits');
});
afterAll(() => removeGround(ground));

const RECORD = '{"id": 1, "prompt": "How important is leisure time?", "options": [" 1", " 2"]}\n';
const survey = (...extra: string[]) => ['survey', '--model', ground.model, '--device', 'cpu', '--country', 'JP', '--variants', '1', ...extra];

/** A copy of the ground model in the case folder, its tokenizer_config.json given `template` as chat template. */
function modelWithTemplate(w: Work, template: string): string {
  const dir = w.copy(ground.model, 'model');
  const file = path.join(dir, 'tokenizer_config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), chat_template: template }));
  return dir;
}

/** A copy of the ground model whose graph's external data entries are changed by `edit`. */
function modelWithData(w: Work, edit: (dir: string, entries: { key?: string | null; value?: string | null }[][]) => void): string {
  const dir = w.copy(ground.model, 'model');
  const graph = decodeModel(fs.readFileSync(path.join(dir, 'model.onnx')));
  const entries = (graph.graph?.initializer ?? []).map((t) => t.externalData ?? []).filter((e) => e.length > 0);
  edit(dir, entries);
  fs.writeFileSync(path.join(dir, 'model.onnx'), encodeModel(graph));
  return dir;
}
const entry = (entries: { key?: string | null; value?: string | null }[], key: string) => entries.find((e) => e.key === key)!;

const LIMITS_BEFORE_LOAD: BadCase[] = [
  { name: '--init-text over 10,000 characters', args: (w) => smallTrainArgs(ground, w.dir, '--init-text', 'a'.repeat(10_001)), error: /--init-text is 10001 characters; at most 10000/ },
  { name: '--max-new-tokens past the flag cap', args: () => survey('--format', 'cot', '--max-new-tokens', '100000000'), error: /expected an integer from 1 to 32768, got "100000000"/ },
  { name: '--max-new-tokens past the context (1024)', args: () => survey('--format', 'cot', '--max-new-tokens', '5000'), error: /--max-new-tokens 5000: the model takes at most 1024 positions .*use --max-new-tokens 1023 or less/ },
  {
    name: 'a chat template that loops without end',
    args: (w) => ['score', '--model', modelWithTemplate(w, '{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}'), '--device', 'cpu', '--chat', '--input', w.file('p.jsonl', RECORD)],
    error: /chat template in .* did not finish within 100000 steps/,
  },
  {
    name: 'a chat template asking for a range of 10^12',
    args: (w) => ['score', '--model', modelWithTemplate(w, '{{ range(10**12) | length }}'), '--device', 'cpu', '--chat', '--input', w.file('p.jsonl', RECORD)],
    error: /range\(\) of 1000000000000 numbers; a template may make at most 100000/,
  },
  {
    name: "a chat template's raise_exception of several lines",
    args: (w) => ['score', '--model', modelWithTemplate(w, '{{ raise_exception("Conversation roles must alternate\nuser/assistant/user/assistant") }}'), '--device', 'cpu', '--chat', '--input', w.file('p.jsonl', RECORD)],
    error: /chat template in .* refused the messages: Conversation roles must alternate user\/assistant\/user\/assistant$/,
  },
  {
    name: 'external data outside the model folder',
    args: (w) => {
      w.file('outside.bin', new Uint8Array(1 << 20));
      return ['score', '--model', modelWithData(w, (_, all) => all.forEach((e) => (entry(e, 'location').value = '../outside.bin'))), '--device', 'cpu', '--input', w.file('p.jsonl', RECORD)];
    },
    error: /names external data "\.\.\/outside\.bin" outside its folder/,
  },
  {
    name: 'external data at an absolute path',
    args: (w) => ['score', '--model', modelWithData(w, (_, all) => all.forEach((e) => (entry(e, 'location').value = '/etc/hostname'))), '--device', 'cpu', '--input', w.file('p.jsonl', RECORD)],
    error: /names external data "\/etc\/hostname" outside its folder/,
  },
  {
    name: 'external data file missing',
    args: (w) => ['score', '--model', modelWithData(w, (dir) => fs.rmSync(path.join(dir, 'model.onnx_data'))), '--device', 'cpu', '--input', w.file('p.jsonl', RECORD)],
    error: /its external data file model\.onnx_data is missing from /,
  },
  {
    name: 'external data file truncated',
    args: (w) => ['score', '--model', modelWithData(w, (dir) => fs.truncateSync(path.join(dir, 'model.onnx_data'), 100)), '--device', 'cpu', '--input', w.file('p.jsonl', RECORD)],
    error: /its external data file model\.onnx_data is truncated \(100 bytes; the tensor needs bytes \d+ to \d+\)/,
  },
  {
    name: 'external data offset in hexadecimal',
    args: (w) => ['score', '--model', modelWithData(w, (_, all) => (entry(all[0], 'offset').value = '0x0')), '--device', 'cpu', '--input', w.file('p.jsonl', RECORD)],
    error: /external data offset or length that is not a whole number of bytes/,
  },
  { name: '--model-file outside the folder', args: (w) => ['score', '--model', ground.model, '--model-file', '../other/model.onnx', '--input', w.file('p.jsonl', RECORD)], error: /--model-file names the graph "\.\.\/other\/model\.onnx", outside/ },
];

describe('limits before load', () => {
  it.each(LIMITS_BEFORE_LOAD.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });

  it('a command line of 40,000 characters loads a model (onnxruntime once overflowed its stack on it: exit 139)', () => {
    // In a child process of its own: the command line onnxruntime read is the process's.
    const work = new Work(ground);
    const script = work.file('load.mts', `import { loadModel } from ${JSON.stringify(path.join(REPO, 'src/model/index.ts'))};\nconst model = await loadModel(process.argv[2], { device: 'cpu' });\nawait model.dispose();\nconsole.log('loaded');\n`);
    const child = spawnSync(process.execPath, [path.join(REPO, 'bin/run-ts.js'), script, ground.model, 'a'.repeat(40_000)], { encoding: 'utf8', env: { ...process.env, ...ground.env }, timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trim()).toBe('loaded');
  });
});

/** The sizes a run.json records. */
interface StoredSizes {
  softPrompt: { k: number };
  search: { dim: number };
  model: { hidden: number };
}

/** run.json edited (as a user's editor would), with the flags that then agree with it; each refused before any compute, naming the file and both sizes. */
const EDITED_RUN: { name: string; edit: (run: StoredSizes) => void; flags: (stored: StoredSizes) => string[]; error: (stored: StoredSizes) => RegExp }[] = [
  {
    name: 'k raised (prompt.json holds the old k)',
    edit: (run) => (run.softPrompt.k += 1),
    flags: (stored) => ['--k', String(stored.softPrompt.k + 1)],
    error: (stored) => new RegExp(`prompt\\.json holds ${stored.softPrompt.k} vectors but run\\.json says k = ${stored.softPrompt.k + 1}: run\\.json was edited after the run began`),
  },
  {
    name: 'dim raised (the checkpoint holds vectors of the old dim)',
    edit: (run) => (run.search.dim *= 2),
    flags: (stored) => ['--dim', String(stored.search.dim * 2)],
    error: (stored) => new RegExp(`checkpoint\\.json holds vectors of ${stored.search.dim} values, but run\\.json searches ${stored.search.dim * 2} \\(dim ${stored.search.dim * 2}\\)`),
  },
  {
    name: 'hidden changed',
    edit: (run) => (run.model.hidden += 1),
    flags: () => [],
    error: (stored) => new RegExp(`run\\.json records hidden size ${stored.model.hidden + 1}, but the model's is ${stored.model.hidden}`),
  },
];

describe('a resumed run whose run.json was edited to another prompt size', () => {
  let base: string;
  let stored: StoredSizes;
  beforeAll(async () => {
    base = await trainBase(ground);
    stored = JSON.parse(fs.readFileSync(path.join(base, 'run.json'), 'utf8'));
  }, 120_000);

  it.each(EDITED_RUN.map((row) => [row.name, row] as const))('%s', async (name, row) => {
    const args = (w: Work) => {
      const file = path.join(w.copy(base, 'run'), 'run.json');
      const run = JSON.parse(fs.readFileSync(file, 'utf8'));
      row.edit(run);
      fs.writeFileSync(file, JSON.stringify(run));
      return smallTrainArgs(ground, w.dir, '--resume', ...row.flags(stored));
    };
    await runBadCase(ground, { name, args, error: row.error(stored) });
  });
});

/**
 * A copy of the ground model whose output projection (the graph's last external tensor) is all NaN
 * (every float32 of 0xFFFFFFFF is one), so every logit is; the embedding table, which the search space
 * is built from, stays finite.
 */
function nanModel(w: Work): string {
  const dir = w.copy(ground.model, 'nan-model');
  const graph = decodeModel(fs.readFileSync(path.join(dir, 'model.onnx')));
  const spans = (graph.graph?.initializer ?? []).map((t) => t.externalData ?? []).filter((e) => e.length > 0).map((e) => ({ offset: Number(entry(e, 'offset').value), length: Number(entry(e, 'length').value) }));
  const last = spans.reduce((a, b) => (b.offset > a.offset ? b : a));
  const data = path.join(dir, 'model.onnx_data');
  const bytes = fs.readFileSync(data);
  bytes.fill(0xff, last.offset, last.offset + last.length);
  fs.writeFileSync(data, bytes);
  return dir;
}
const onModel = (model: string, args: string[]) => args.map((arg) => (arg === ground.model ? model : arg));
const NON_FINITE = /no candidate of generation 1 has a finite objective \(vsm13 loss: 4 NaN\); the model's (PDI|IDV|MAS|UAI|LTO|IVR)(, [A-Z]{3})* scores are not finite/;

const NON_FINITE_LOSS: BadCase[] = [
  { name: 'into a run folder it creates (removed again)', args: (w) => onModel(nanModel(w), smallTrainArgs(ground, w.dir, '--constants', 'zero')), error: NON_FINITE },
  { name: 'into an --out it creates (removed again)', args: (w) => onModel(nanModel(w), smallTrainArgs(ground, w.path('new-out'), '--constants', 'zero')), error: NON_FINITE },
  {
    name: 'into a run folder that existed before (kept, empty)',
    args: (w) => (fs.mkdirSync(w.path('run')), onModel(nanModel(w), smallTrainArgs(ground, w.dir, '--constants', 'zero'))),
    error: NON_FINITE,
  },
];

describe('a run whose loss is non-finite everywhere', () => {
  it.each(NON_FINITE_LOSS.map((row) => [row.name, row] as const))('fails after the first generation, %s', async (_name, row) => {
    const result = await runBadCase(ground, row);
    // After the first generation, not the budget's second.
    expect(result.stderr).not.toMatch(/generation 2/);
  });
});

const NUMERIC_FLAGS: BadCase[] = [
  { name: '--gpu-memory in hexadecimal', args: () => survey('--gpu-memory', '0x10'), error: /argument '0x10' is invalid\. expected a number > 0, got "0x10"/ },
  { name: '--gpu-memory Infinity', args: () => survey('--gpu-memory', 'Infinity'), error: /expected a number > 0, got "Infinity"/ },
  { name: '--variants 2.0', args: () => survey('--variants', '2.0'), error: /--variants: expected an integer >= 1, got "2\.0"/ },
  { name: '--variants in hexadecimal', args: () => survey('--variants', '0x2'), error: /--variants: expected an integer >= 1, got "0x2"/ },
  { name: '--max-new-tokens with an exponent', args: () => survey('--format', 'cot', '--max-new-tokens', '1e2'), error: /expected an integer from 1 to 32768, got "1e2"/ },
  { name: '--lock-duration beyond what Node timers take', args: (w) => ['worker', '--model', ground.model, '--queue', 'redis://127.0.0.1:1', '--runs', w.dir, '--lock-duration', String(MAX_TIMER_MS + 1)], error: /expected an integer from 100 to 2147483647, got "2147483648"/ },
  { name: '--stalled-interval of 10^12 ms', args: (w) => ['worker', '--model', ground.model, '--queue', 'redis://127.0.0.1:1', '--runs', w.dir, '--stalled-interval', '1000000000000'], error: /expected an integer from 100 to 2147483647/ },
  { name: '--out empty', args: () => smallTrainArgs(ground, ''), error: /option '--out <dir>' argument '' is invalid\. expected a path, got an empty value/ },
  { name: 'report --out of spaces', args: (w) => ['report', w.dir, '--out', '  '], error: /expected a path, got an empty value/ },
  { name: '--stagnation with --objectives', args: (w) => smallTrainArgs(ground, w.dir, '--objectives', 'vsm13,culturalbench', '--stagnation', '3'), error: /--stagnation stops a single-objective run; a multi-objective run \(--objectives\) stops at --budget or --generations/ },
  { name: '--culturalbench-data without --objectives', args: (w) => smallTrainArgs(ground, w.dir, '--culturalbench-data', w.dir), error: /--culturalbench-data is read by multi-objective runs only/ },
];

describe('numeric and option flags', () => {
  it.each(NUMERIC_FLAGS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });

  // The definition, written here: optional sign, decimal digits, nothing else.
  const isDecimalInteger = (text: string) => /^\s*[+-]?[0-9]+\s*$/.test(text) && Number.isSafeInteger(Number(text.trim()));
  it.each(['7', ' 12 ', '+3', '-1', '0', '2.0', '1e1', '0x10', '0b11', '0o7', '', ' ', 'Infinity', 'NaN', '1_000', '9007199254740993', '٣'])('integerBetween(0, 100) on %j', (text) => {
    const parse = integerBetween(0, 100);
    const expected = isDecimalInteger(text) && Number(text) >= 0 && Number(text) <= 100 ? Number(text) : undefined;
    if (expected === undefined) expect(() => parse(text)).toThrow(InvalidArgumentError);
    else expect(parse(text)).toBe(expected);
  });

  const isDecimal = (text: string) => /^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$/.test(text) && Number.isFinite(Number(text));
  it.each(['1.5', '.5', '2e-3', '0x10', '1e999', 'Infinity', '', '0', '-1', '16'])('positiveNumber on %j', (text) => {
    const expected = isDecimal(text) && Number(text) > 0 ? Number(text) : undefined;
    if (expected === undefined) expect(() => positiveNumber(text)).toThrow(InvalidArgumentError);
    else expect(positiveNumber(text)).toBe(expected);
  });
});

/** Targets and constants are finite and within ±10^6 (docs/security.md), so the loss cannot overflow to Infinity. */
const VALUES_TOO_LARGE: BadCase[] = [
  { name: '--target 1e308', args: (w) => smallTrainArgs(ground, w.dir, '--target', 'PDI=1e308'), error: /--target: PDI 1e\+308 is beyond ±1,000,000, far outside any published scale/ },
  { name: '--constants PDI=1e308', args: (w) => smallTrainArgs(ground, w.dir, '--constants', 'PDI=1e308'), error: /--constants: PDI 1e\+308 is beyond ±1,000,000/ },
  { name: 'a constants file with 1e308', args: (w) => smallTrainArgs(ground, w.dir, '--constants', w.file('c.json', '{"IDV": -1e308}')), error: /c\.json: IDV -1e\+308 is beyond ±1,000,000/ },
  { name: 'a constants file with 1e309', args: (w) => smallTrainArgs(ground, w.dir, '--constants', w.file('c.json', '{"IDV": 1e309}')), error: /c\.json: IDV Infinity is not a finite number/ },
  { name: 'a JSON targets file with 1e309', args: (w) => smallTrainArgs(ground, w.dir, '--targets', w.file('t.json', '{"country": "Japan",\n "PDI": 1e309}')), error: /t\.json:2: PDI Infinity is not a finite number/ },
  { name: 'a JSON targets file with 1e308', args: (w) => smallTrainArgs(ground, w.dir, '--targets', w.file('t.json', '{"country": "Japan", "PDI": 1e308}')), error: /t\.json:1: PDI 1e\+308 is beyond ±1,000,000/ },
  { name: 'a CSV targets file with 1e308', args: (w) => smallTrainArgs(ground, w.dir, '--targets', w.file('t.csv', 'country,PDI\nJapan,1e308\n')), error: /t\.csv:2: PDI 1e\+308 is beyond ±1,000,000/ },
  { name: 'a CSV targets file with 1e309', args: (w) => smallTrainArgs(ground, w.dir, '--targets', w.file('t.csv', 'country,PDI\nJapan,1e309\n')), error: /t\.csv:2: PDI "1e309" is not a decimal number/ },
];

describe('targets and constants the loss cannot overflow on', () => {
  it.each(VALUES_TOO_LARGE.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    await runBadCase(ground, row);
  });

  // The definition, written here: finite, and at most 10^6 from zero either way.
  const naming = { names: ['PDI'], parse: (name: string) => (name === 'PDI' ? name : undefined) };
  it.each(['0', '120', '-35.5', '1000000', '-1000000', '1000000.5', '-1000001', '1e7', '1e308'])('PDI=%s', (text) => {
    const accepted = Math.abs(Number(text)) <= 10 ** 6;
    if (accepted) expect(parseAssignments(`PDI=${text}`, '--target', naming)).toEqual({ PDI: Number(text) });
    else expect(() => parseAssignments(`PDI=${text}`, '--target', naming)).toThrow(/is beyond ±1,000,000/);
  });
});

/** One Hub-format CSV row: the question, the countries' shares as Python writes them, the options. */
const row = (question: string, shares: Record<string, string>, options: string[]) =>
  `"${question}","defaultdict(<class 'list'>, {${Object.entries(shares).map(([c, v]) => `'${c}': [${v}]`).join(', ')}})","[${options.map((o) => `'${o}'`).join(', ')}]",GAS\n`;
const TWO = ['Yes', 'No'];

/** GlobalOpinionQA rows: what each must give, the set-aside reason written from the definition (one finite share >= 0 per option). */
const OPINION_ROWS: { name: string; csv: string; kept: Record<string, number[]> | undefined; reason?: RegExp }[] = [
  { name: 'a good row', csv: row('Q good', { Britain: '0.25, 0.75' }, TWO), kept: { Britain: [0.25, 0.75] } },
  { name: 'fewer shares than options', csv: row('Q fewer', { Britain: '1.0' }, TWO), kept: undefined, reason: /shares do not fit the options: 1 shares for 2 options/ },
  { name: 'a negative share', csv: row('Q negative', { Britain: '-0.5, 1.5', Japan: '0.5, 0.5' }, TWO), kept: { Japan: [0.5, 0.5] }, reason: /a share is -0\.5, not a finite number >= 0/ },
  { name: 'a NaN share', csv: row('Q nan', { Britain: 'nan, 1.0' }, TWO), kept: undefined, reason: /a share is NaN/ },
  { name: 'an infinite share', csv: row('Q inf', { Britain: 'inf, 0.0' }, TWO), kept: undefined, reason: /a share is Infinity/ },
  { name: 'an overflowing share', csv: row('Q overflow', { Britain: '1e999, 0.0' }, TWO), kept: undefined, reason: /a share is Infinity/ },
  { name: 'the same question again', csv: row('Q good', { Britain: '0.9, 0.1' }, TWO), kept: undefined, reason: /question repeated: first at row 2, which is kept/ },
  { name: 'a row that is not UTF-8', csv: `${row('Q latin1 caf\uFFFD', { Britain: '0.5, 0.5' }, TWO)}`, kept: undefined, reason: /^not UTF-8$/ },
  { name: 'a row that is not a literal', csv: `"Q broken","{oops","['Yes']",GAS\n`, kept: undefined, reason: /not a Python literal/ },
];

describe('data validation', () => {
  it('GlobalOpinionQA: each bad item is set aside with its reason and counted; the good ones are kept as written', () => {
    const text = `question,selections,options,source\n${OPINION_ROWS.map((r) => r.csv).join('')}`;
    const setAside: SetAsideItem[] = [];
    const questions = parseGlobalOpinionsCsv(text, 'opinions.csv', setAside);
    OPINION_ROWS.forEach((r, i) => {
      const line = i + 2;
      const reasons = setAside.filter((item) => item.line === line);
      if (r.reason) expect(reasons.map((item) => item.reason).join('; '), r.name).toMatch(r.reason);
      else expect(reasons, r.name).toEqual([]);
      const kept = questions.filter((q) => q.question === r.csv.slice(1, r.csv.indexOf('"', 1)));
      if (r.kept === undefined) expect(kept.length, r.name).toBeLessThanOrEqual(r.name === 'the same question again' ? 1 : 0);
      else expect(kept.map((q) => q.selections), r.name).toEqual([r.kept]);
    });
    // The repeated question keeps its first row's shares.
    expect(questions.find((q) => q.question === 'Q good')!.selections).toEqual({ Britain: [0.25, 0.75] });
    expect(setAside).toHaveLength(OPINION_ROWS.filter((r) => r.reason).length);
  });

  it('GlobalOpinionQA: a file with no usable question, or a local copy that is not UTF-8, is one line', async () => {
    expect(() => parseGlobalOpinionsCsv(`question,selections,options,source\n${row('Q', { Britain: 'nan, nan' }, TWO)}`, 'bad.csv')).toThrow(/bad\.csv: no usable question \(row 2: shares do not fit/);
    const work = new Work(ground);
    const latin1 = Buffer.from(`question,selections,options,source\n${row('Caf\u00e9', { Britain: '0.5, 0.5' }, TWO)}`, 'latin1');
    await expect(loadGlobalOpinions({ data: work.file('opinions.csv', latin1), download: false }, readSettings())).rejects.toThrow(/opinions\.csv is not UTF-8 text/);
  });

  describe('GlobalOpinionQA from the cache or a download is decoded strictly', () => {
    const good = Buffer.from(`question,selections,options,source\n${row('Caf\u00e9 good', { Britain: '0.5, 0.5' }, TWO)}`, 'utf8');
    const latin1 = Buffer.from(`question,selections,options,source\n${row('Caf\u00e9 latin1', { Britain: '0.5, 0.5' }, TWO)}`, 'latin1');
    let server: http.Server;
    let baseUrl: string;
    beforeAll(async () => {
      server = http.createServer((req, res) => res.writeHead(200).end(req.url?.startsWith('/latin1/') ? latin1 : good));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('a download that is not UTF-8 is refused in one line, and nothing is cached', async () => {
      const work = new Work(ground);
      const error = await loadGlobalOpinions({ download: true, cacheDir: work.dir, baseUrl: `${baseUrl}/latin1`, localFlag: '--data' }, readSettings()).catch((e: Error) => e);
      expect((error as Error).message).toMatch(/global_opinions\.csv line 2: not valid UTF-8 \(byte \d+\); nothing was cached; pass --data with a local copy/);
      expect((error as Error).message).not.toContain('\n');
      expect(fs.readdirSync(work.dir)).toEqual([]);
    });

    it('a cached copy that is not UTF-8 counts as damaged: downloaded again, or one line offline', async () => {
      const work = new Work(ground);
      // As a loose decoder once accepted it: the file with its hash recorded.
      work.file('global_opinions.csv', latin1);
      work.file('global_opinions.csv.sha256', `${createHash('sha256').update(latin1).digest('hex')}\n`);
      await expect(loadGlobalOpinions({ download: false, cacheDir: work.dir }, readSettings())).rejects.toThrow(/cached .*global_opinions\.csv is damaged \(.*line 2: not valid UTF-8 \(byte \d+\)\); allow downloads/);
      const loaded = await loadGlobalOpinions({ download: true, cacheDir: work.dir, baseUrl: `${baseUrl}/good` }, readSettings());
      expect(loaded.file.origin).toBe('download');
      expect(loaded.questions.map((q) => q.question)).toEqual(['Caf\u00e9 good']);
      expect(fs.readFileSync(work.path('global_opinions.csv'))).toEqual(good);
    });
  });

  it('front.json without members, or with a chosen member not among them, is refused in one line', () => {
    const work = new Work(ground);
    const write = (front: unknown) => work.file('front.json', JSON.stringify(front));
    write({ objectives: ['vsm13', 'culturalbench'], rule: 'knee', chosen: 0, members: [] });
    expect(() => readFront(work.dir)).toThrow(/front\.json has no members, though a front always has one/);
    write({ objectives: ['vsm13', 'culturalbench'], rule: 'knee', chosen: 2, members: [{}, {}] });
    expect(() => readFront(work.dir)).toThrow(/its chosen member 2 is not one of its 2 members/);
    fs.rmSync(path.join(work.dir, 'front.json'));
    expect(readFront(work.dir)).toBeUndefined();
  });
});
