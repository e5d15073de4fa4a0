import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planTrainJob } from '../src/cli/train-job.ts';
import { trainJobRequest } from '../src/app/train-job.ts';
import { checkServer, parseQueueAddress } from '../src/queue/connection.ts';
import { enqueueRuns } from '../src/queue/enqueue.ts';
import type { TrainJobData } from '../src/queue/jobs.ts';
import { drainQueue, queueSnapshot, withQueue } from '../src/queue/status.ts';
import { JobRejected } from '../src/queue/worker.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { runCli } from './helpers/cli.ts';
import { REPO } from './helpers/paths.ts';
import { GLOBAL_OPINION_QA } from '../src/instruments/globalopinionqa/index.ts';
import { UserError } from '../src/util/errors.ts';
import { makeTlsFiles, startRedis } from './helpers/redis.ts';
import { readSettings } from '../src/util/settings.ts';

const MODEL_HASH = 'ab'.repeat(32);
/** One run as a sweep defines it: VSM 2013 with one respondent variant, its soft prompt and search. */
const RUN = {
  instrument: { name: 'vsm13', settings: VSM13.settings({ variants: '1' }), format: { name: 'classify' } },
  softPrompt: { k: 2, init: 'text', placement: 'start' },
  search: { space: 'subspace', dim: 16, strategy: 'shade', pop: 6, budget: 18, seed: 3 },
} as const;
const INSTRUMENT_FLAGS = { variants: '1' };
/** VSM 2013 reads no dataset: a job of it never asks for one. */
const noDataset = async () => {
  throw new Error('VSM 2013 jobs read no dataset');
};
const GOQA_CSV = path.join(REPO, 'test/fixtures/globalopinionqa/global_opinions.csv');
const withBudget = (budget: number) => ({ ...RUN, search: { ...RUN.search, budget } });

describe('queue addresses', () => {
  it('accepts redis:// and rediss:// URLs with user, password and database, and never shows the password', () => {
    const plain = parseQueueAddress('redis://:s3cret@10.0.0.5:6380/2', 'study-1');
    expect(plain).toEqual({ url: 'redis://:s3cret@10.0.0.5:6380/2', display: 'redis://:***@10.0.0.5:6380/2', name: 'study-1' });
    expect(parseQueueAddress('rediss://alice:p%40ss@cache.example.org/0').display).toBe('rediss://alice:***@cache.example.org/0');
    expect(parseQueueAddress('redis://localhost').display).toBe('redis://localhost');
  });

  it('takes the password from CULTUNE_REDIS_PASSWORD when the URL has none', () => {
    expect(parseQueueAddress('redis://alice@db:6379/1', 'q', readSettings({ CULTUNE_REDIS_PASSWORD: 'p@ss word' }).redisPassword)).toEqual({
      url: 'redis://alice:p%40ss%20word@db:6379/1',
      display: 'redis://alice:***@db:6379/1',
      name: 'q',
    });
    expect(parseQueueAddress('redis://:inline@db/1', 'q', readSettings({ CULTUNE_REDIS_PASSWORD: 'other' }).redisPassword).url).toBe('redis://:inline@db/1');
  });

  it.each([
    ['http://localhost:6379', 'cultune', /scheme must be redis:\/\/ or rediss:\/\//],
    ['localhost:6379', 'cultune', /scheme must be/],
    ['not a url', 'cultune', /is not a URL/],
    ['redis://:pw@host/zero', 'cultune', /^--queue redis:\/\/:\*\*\*@host\/zero: the path must be a database number/],
    ['redis://host/0?password=x', 'cultune', /query strings/],
    ['redis://host/0', 'a:b', /--queue-name "a:b"/],
  ])('refuses %s (queue %s) in one line', (url, name, message) => {
    expect(() => parseQueueAddress(url, name)).toThrow(message);
  });

  it('checks the server once: a wrong password or a closed port is one line, the right password passes', async () => {
    const address = parseQueueAddress(inject('redisUrl'));
    await expect(checkServer(address)).resolves.toBeUndefined();
    const wrong = new URL(address.url);
    wrong.password = 'wrong';
    await expect(checkServer(parseQueueAddress(wrong.href))).rejects.toThrow(/^cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: WRONGPASS/);
    const none = new URL(address.url);
    none.password = '';
    await expect(checkServer(parseQueueAddress(none.href, 'cultune'))).rejects.toThrow(/NOAUTH/);
    await expect(checkServer(parseQueueAddress('redis://127.0.0.1:1/0'))).rejects.toThrow(/^cannot use Redis at redis:\/\/127\.0\.0\.1:1\/0: connect ECONNREFUSED/);
  });
});

describe('a Redis server with TLS only', () => {
  it('is reached through rediss:// when its CA is trusted (NODE_EXTRA_CA_CERTS); otherwise the CLI says why in one line', async (context) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-tls-'));
    const tls = makeTlsFiles(dir);
    if (!tls) {
      fs.rmSync(dir, { recursive: true, force: true });
      context.skip('openssl is not installed');
    }
    const redis = await startRedis({ tls });
    try {
      const trusted = runCli(['queue', 'status', '--queue', redis.url, '--json'], { env: { NODE_EXTRA_CA_CERTS: tls!.ca } });
      expect(trusted.code, trusted.stderr).toBe(0);
      expect(JSON.parse(trusted.stdout)).toMatchObject({ server: expect.stringMatching(/^rediss:\/\/:\*\*\*@localhost:\d+\/0$/), counts: { waiting: 0, failed: 0 } });
      const untrusted = runCli(['queue', 'status', '--queue', redis.url]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/^cultune: cannot use Redis at rediss:\/\/:\*\*\*@localhost:\d+\/0: [^\n]*certificate[^\n]*\n$/);
      expect(untrusted.stderr).not.toContain(redis.password);
    } finally {
      await redis.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('train jobs', () => {
  let runs: string;
  let outside: string;
  const job = (overrides: Record<string, unknown> = {}) => ({
    run: 'JP-s3',
    request: trainJobRequest('JP', RUN, INSTRUMENT_FLAGS, { fallback: 'none' }),
    model: MODEL_HASH,
    eval: ['soft'],
    ...overrides,
  });
  /** The job's request with `change` made to a copy of it. */
  const changed = (change: (request: Record<string, any>) => void) => {
    const request = structuredClone(job().request) as Record<string, any>;
    change(request);
    return { request };
  };
  beforeAll(() => {
    runs = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-jobs-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-outside-'));
    fs.writeFileSync(path.join(outside, 'targets.csv'), 'country,PDI\nJapan,1\n');
    fs.writeFileSync(path.join(runs, 'targets.csv'), 'country,PDI\nJapan,1\n');
    fs.symlinkSync(path.join(outside, 'targets.csv'), path.join(runs, 'link.csv'));
  });
  afterAll(() => {
    fs.rmSync(runs, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('carries a train request that the worker reads back as the same run (settings, target, folder)', async () => {
    const planned = await planTrainJob('JP-s3', job(), runs, noDataset);
    expect(planned.run.definition.search).toEqual(RUN.search);
    expect(planned.run.definition.instrument).toEqual(RUN.instrument);
    expect(planned.run.definition.softPrompt).toEqual({ ...RUN.softPrompt, initText: 'You are a person from Japan.' });
    expect(planned.run.definition.target).toEqual(VSM13.target({ country: 'JP', fallback: 'none' }));
    expect(planned.run.dir).toBe(path.join(runs, 'JP-s3'));
    expect(planned.run.state).toBe('new');
    expect(planned.eval).toEqual(['soft']);
    // A generating format and its cap travel with the job, and name its folder.
    const cot = { ...RUN, instrument: { ...RUN.instrument, format: { name: 'cot', maxNewTokens: 16 } } };
    const cotJob = await planTrainJob('JP-cot-s3', job({ run: 'JP-cot-s3', request: trainJobRequest('JP', cot, INSTRUMENT_FLAGS, { fallback: 'none' }) }), runs, noDataset);
    expect(cotJob.run.definition.instrument).toEqual(cot.instrument);
    expect(cotJob.run.dir).toBe(path.join(runs, 'JP-cot-s3'));
    const withFile = await planTrainJob('JP-s3', job(changed((r) => (r.target.targets = 'targets.csv'))), runs, noDataset);
    expect(withFile.run.definition.target.values.PDI).toEqual({ value: 1, source: { kind: 'file', file: path.join(runs, 'targets.csv'), line: 2 } });
  });

  it.each([
    ['an output path', changed((r) => (r.out = '/etc')), /job JP-s3: unknown field out$/],
    ['a population below 4', changed((r) => (r.search.pop = 2)), /job JP-s3: search\.pop \(--pop\): expected an integer >= 4, got "2"/],
    ['a population that is not a number', changed((r) => (r.search.pop = '6')), /job JP-s3: search\.pop must be a number/],
    ['an unknown strategy', changed((r) => (r.search.strategy = 'nope/1/bin')), /unknown DE strategy 'nope\/1\/bin'/],
    ['an unknown country', changed((r) => (r.country = 'Atlantis')), /Atlantis/],
    ['a request of another run', { run: 'DE-s3' }, /job DE-s3: its request trains into JP-s3, not DE-s3/],
    ['a run folder name with a path', { run: '../JP-s3' }, /run "\.\.\/JP-s3" is not a run folder name/],
    ['a targets file above the runs folder', changed((r) => (r.target.targets = '../targets.csv')), /must be a path inside the runs folder/],
    ['an absolute targets file', changed((r) => (r.target.targets = '/etc/passwd')), /must be a path inside the runs folder/],
    ['a link out of the runs folder', changed((r) => (r.target.targets = 'link.csv')), /link\.csv leads outside the runs folder/],
    ['a field the format lacks', { out: '/etc' }, /job JP-s3: unknown field out/],
    ['a request that is not an object', { request: ['--country', 'JP'] }, /job JP-s3: request is not an object/],
    ['a job of an earlier cultune (a command line)', { request: undefined, args: ['--country', 'JP'] }, /job JP-s3: its run is a command line \(args\), the job format of an earlier cultune; drain it \(cultune queue drain\) and enqueue the run again with this version/],
    ['a model that is not a hash', { model: '../model' }, /model must be the SHA-256/],
    ['an unknown eval condition', { eval: ['all'] }, /eval: unknown condition all/],
  ] as [string, Record<string, unknown>, RegExp][])('rejects %s at once, without touching the runs folder', async (_, overrides, message) => {
    const before = fs.readdirSync(runs).sort();
    let thrown: unknown;
    try {
      await planTrainJob(String(overrides.run ?? 'JP-s3'), job(overrides), runs, noDataset);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobRejected);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
    expect(fs.readdirSync(runs).sort()).toEqual(before);
  });

  it('a GlobalOpinionQA job has the worker read the dataset (once it is needed) and plans the target it gives; an unreadable dataset rejects the job', async () => {
    const goqa = { ...RUN, instrument: { name: 'globalopinionqa', settings: GLOBAL_OPINION_QA.settings({ metric: 'wasserstein' }), format: { name: 'classify' } } };
    const goqaJob = (country: string, run: string) => job({ run, request: trainJobRequest(country, goqa, { metric: 'wasserstein' }, { fallback: 'none' }) });
    const read: string[] = [];
    const { data } = await GLOBAL_OPINION_QA.loadData!({ data: GOQA_CSV, download: false }, readSettings());
    const loadData = async (instrument: typeof GLOBAL_OPINION_QA) => {
      read.push(instrument.name);
      return data;
    };
    const planned = await planTrainJob('DE-globalopinionqa-s3', goqaJob('DE', 'DE-globalopinionqa-s3'), runs, loadData);
    expect(read).toEqual(['globalopinionqa']);
    expect(planned.run.definition.instrument).toMatchObject({ name: 'globalopinionqa', settings: { metric: 'wasserstein' } });
    expect(planned.run.definition.target).toEqual(GLOBAL_OPINION_QA.target({ country: 'DE', fallback: 'none' }, data));
    let thrown: unknown;
    try {
      await planTrainJob('DE-globalopinionqa-s3', goqaJob('DE', 'DE-globalopinionqa-s3'), runs, async () => {
        throw new UserError('GlobalOpinionQA is not cached and downloads are off');
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobRejected);
    expect((thrown as Error).message).toMatch(/GlobalOpinionQA is not cached and downloads are off/);
  });

  it('rejects a job whose folder holds another run, or the run of another model', async () => {
    const dir = path.join(runs, 'JP-s3');
    const stored = {
      cultune: '0',
      country: { query: 'JP', name: 'Japan' },
      target: VSM13.target({ country: 'JP' }),
      model: { dir: 'm', sourceHash: MODEL_HASH, hidden: 64, dtype: 'float32' },
      instrument: RUN.instrument,
      softPrompt: { ...RUN.softPrompt, initText: 'You are a person from Japan.' },
    };
    fs.mkdirSync(dir);
    // A folder holds a run once it has a checkpoint; a run.json alone is a start that can be made again.
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), '{}');
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...stored, search: withBudget(99).search }));
    await expect(planTrainJob('JP-s3', job(), runs, noDataset)).rejects.toThrow(/JP-s3 holds another run \(budget 99 there, 18 asked\)/);
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...stored, search: RUN.search }));
    expect((await planTrainJob('JP-s3', job(), runs, noDataset)).run.state).toBe('unfinished');
    await expect(planTrainJob('JP-s3', job({ model: 'cd'.repeat(32) }), runs, noDataset)).rejects.toThrow(/trained on another model \(graph hash abababababab\) than job JP-s3 asks for/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('enqueuing', () => {
  it('adds one job per run; the same runs again add nothing, other flags for a queued run are refused; drain empties', async () => {
    const address = parseQueueAddress(inject('redisUrl'), `enqueue-${process.pid}`);
    const jobs: TrainJobData[] = ['JP', 'DE'].map((country) => ({
      run: `${country}-s3`,
      request: trainJobRequest(country, RUN, INSTRUMENT_FLAGS, { fallback: 'none' }),
      model: MODEL_HASH,
      eval: [],
    }));
    expect(await enqueueRuns(address, jobs)).toEqual([{ run: 'JP-s3', state: 'added' }, { run: 'DE-s3', state: 'added' }]);
    expect(await enqueueRuns(address, jobs)).toEqual([{ run: 'JP-s3', state: 'waiting' }, { run: 'DE-s3', state: 'waiting' }]);
    const other = { ...jobs[0], request: trainJobRequest('JP', withBudget(24), INSTRUMENT_FLAGS, { fallback: 'none' }) };
    await expect(enqueueRuns(address, [other])).rejects.toThrow(/job JP-s3 in queue enqueue-\d+ holds another run \(queued with search\.budget 18, asked search\.budget 24\)/);
    await withQueue(address, async (queue) => {
      expect((await queueSnapshot(queue, address)).counts).toMatchObject({ waiting: 2, active: 0, completed: 0, failed: 0 });
      expect(await drainQueue(queue, true)).toEqual({ removed: 2, finished: 0 });
      expect((await queueSnapshot(queue, address)).counts).toMatchObject({ waiting: 0 });
      await queue.obliterate();
    });
  });
});
