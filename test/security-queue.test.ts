import fs from 'node:fs';
import { readSettings } from '../src/util/settings.ts';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planTrainJob } from '../src/cli/train-job.ts';
import { runTrainJob } from '../src/app/train-job.ts';
import type { LoadedModel } from '../src/model/index.ts';
import { parseQueueAddress, type QueueAddress } from '../src/queue/connection.ts';
import { enqueueRuns } from '../src/queue/enqueue.ts';
import { JobRejected, startWorker, type WorkerEvent } from '../src/queue/worker.ts';
import { withQueue } from '../src/queue/status.ts';
import { instruments } from '../src/instruments/index.ts';
import { JOB_SETTING_FLAGS } from '../src/queue/job-request.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';

/**
 * What someone who can write to the queue's Redis (or to the shared runs folder) can make a worker do:
 * name files, follow links out of the runs folder, write data that is not a job, point at a database
 * that is not there. Each class is a table; every row must be refused in one line, touching nothing.
 */

const MODEL = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
const MODEL_HASH = 'ab'.repeat(32);
/** A secret outside the runs folder: its key must never show in a failure reason. */
const SECRET_KEY = 'TOPSECRET_KEY_7f3a';
const noDataset = async () => {
  throw new Error('VSM 2013 jobs read no dataset');
};
/** The request of run JP-s3 (VSM 2013, seed 3, train's defaults otherwise), as a job carries it. */
const BASE_REQUEST = {
  country: 'JP',
  instrument: { name: 'vsm13', settings: { variants: '1', constants: 'zero' }, format: { name: 'classify' } },
  softPrompt: { k: 10, init: 'text', placement: 'start' },
  search: { space: 'subspace', strategy: 'shade', pop: 20, budget: 4000, seed: 3 },
  holdout: 0.3,
  target: { fallback: 'none' },
};
const job = (overrides: Record<string, unknown> = {}) => ({ run: 'JP-s3', request: BASE_REQUEST, model: MODEL_HASH, eval: [], ...overrides });
/** The job with `change` made to a copy of its request. */
const withRequest = (change: (request: Record<string, any>) => void) => {
  const request = structuredClone(BASE_REQUEST) as Record<string, any>;
  change(request);
  return job({ request });
};
const withConstants = (constants: string) => withRequest((r) => (r.instrument.settings.constants = constants));

/** Every file and folder under `dir`, with the content of each file: what "touched nothing" compares. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(dir, entry);
    const stats = fs.lstatSync(full);
    entries[entry] = stats.isSymbolicLink() ? `link ${fs.readlinkSync(full)}` : stats.isDirectory() ? 'folder' : fs.readFileSync(full, 'utf8');
  }
  return entries;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the job was accepted');
}

describe('queue jobs name no file and no folder outside --runs', () => {
  let work: string;
  let runs: string;
  let outside: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-sec-queue-'));
    runs = path.join(work, 'runs');
    outside = path.join(work, 'outside');
    fs.mkdirSync(runs);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.json'), JSON.stringify({ [SECRET_KEY]: 1 }));
    fs.writeFileSync(path.join(outside, 'secret.csv'), `country,PDI\nJapan,${SECRET_KEY}\n`);
    fs.symlinkSync(path.join(outside, 'secret.json'), path.join(runs, 'link.json'));
    fs.symlinkSync(outside, path.join(runs, 'elsewhere'));
    // Files inside the runs folder whose parse errors would quote them.
    fs.writeFileSync(path.join(runs, 'bad-constants.json'), JSON.stringify({ [SECRET_KEY]: 1 }));
    fs.writeFileSync(path.join(runs, 'not-json.json'), `{${SECRET_KEY}`);
    fs.writeFileSync(path.join(runs, 'bad-targets.csv'), `country,PDI\nJapan,${SECRET_KEY}\n`);
    fs.writeFileSync(path.join(runs, 'good-constants.json'), JSON.stringify({ PDI: 12 }));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it.each([
    // Files named by a job: absolute, climbing out, or a link (itself, or a folder above it) that leads out.
    ['a constants file by absolute path', () => withConstants(path.join(outside, 'secret.json')), /job JP-s3: --constants ".*secret\.json" must be a path inside the runs folder/],
    ['a constants file above the runs folder', () => withConstants('../outside/secret.json'), /must be a path inside the runs folder/],
    ['a constants file through a link', () => withConstants('link.json'), /job JP-s3: --constants link\.json leads outside the runs folder/],
    ['a constants file under a linked folder', () => withConstants('elsewhere/secret.json'), /--constants elsewhere\/secret\.json leads outside the runs folder/],
    ['a targets file under a linked folder', () => withRequest((r) => (r.target.targets = 'elsewhere/secret.csv')), /--targets elsewhere\/secret\.csv leads outside the runs folder/],
    ['a constants file that is not there', () => withConstants('missing.json'), /--constants missing\.json: no such file in the runs folder/],
    // Fields outside the schema: the worker's own, dataset paths; values of another type.
    ['an output folder', () => withRequest((r) => (r.out = outside)), /job JP-s3: unknown field out$/],
    ['a dataset path', () => withRequest((r) => (r.data = path.join(outside, 'secret.csv'))), /job JP-s3: unknown field data$/],
    ['the worker\'s download switch', () => withRequest((r) => (r.download = false)), /job JP-s3: unknown field download$/],
    ['a setting no instrument has', () => withRequest((r) => (r.instrument.settings.data = 'secret.csv')), /job JP-s3: unknown field instrument\.settings\.data$/],
    ['a number written as text', () => withRequest((r) => (r.search.seed = '3; rm -rf /')), /job JP-s3: search\.seed must be a number$/],
    ['an object where a value goes', () => withRequest((r) => (r.softPrompt.k = { k: 2 })), /job JP-s3: softPrompt\.k must be a number$/],
    ['a field left out', () => withRequest((r) => delete r.search.seed), /job JP-s3: search\.seed must be a number$/],
    ['control characters', () => withRequest((r) => (r.softPrompt.initText = 'You are \u001b]0;owned\u0007 from {country}.')), /job JP-s3: softPrompt\.initText holds control characters/],
    // The envelope.
    ['a field the schema lacks', () => job({ runs: outside }), /unknown field runs/],
    ['data that is not an object', () => ['--country', 'JP'], /data is not an object/],
  ] as [string, () => unknown, RegExp][])('refuses %s before the runs folder is touched, quoting no file', async (_, data, message) => {
    const before = snapshot(runs);
    const error = await rejection(planTrainJob('JP-s3', data(), runs, noDataset));
    expect(error).toBeInstanceOf(JobRejected);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(SECRET_KEY);
    expect(snapshot(runs)).toEqual(before);
  });

  it.each([
    ['a constants file with a key that is no dimension', () => withConstants('bad-constants.json'), /job JP-s3: --constants bad-constants\.json \(in the runs folder\) holds a value cultune does not accept; to see the details, run cultune train --constants FILE/],
    ['a constants file that is not JSON', () => withConstants('not-json.json'), /--constants not-json\.json \(in the runs folder\) is not valid JSON/],
    ['a targets file with a cell that is no number', () => withRequest((r) => (r.target.targets = 'bad-targets.csv')), /--targets bad-targets\.csv \(in the runs folder\) holds a value cultune does not accept at line 2; to see the details, run cultune targets/],
  ] as [string, () => unknown, RegExp][])('names %s and its problem, not its content', async (_, data, message) => {
    const error = await rejection(planTrainJob('JP-s3', data(), runs, noDataset));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(SECRET_KEY);
  });

  it('reads a constants file inside the runs folder, as the sweep wrote it there', async () => {
    const planned = await planTrainJob('JP-s3', withConstants('good-constants.json'), runs, noDataset);
    const stored = JSON.parse(fs.readFileSync(path.join(runs, 'good-constants.json'), 'utf8')) as { PDI: number };
    expect((planned.run.definition.instrument.settings as { constants: { values: { PDI: number } } }).constants.values.PDI).toBe(stored.PDI);
  });

  it.each([
    ['a link to a folder elsewhere', (dir: string) => fs.symlinkSync(outside, dir), /job JP-s3: .*JP-s3 is a symbolic link/],
    ['a link to another run folder', (dir: string) => (fs.mkdirSync(path.join(runs, 'DE-s3')), fs.symlinkSync(path.join(runs, 'DE-s3'), dir)), /JP-s3 is a symbolic link/],
    ['a dangling link', (dir: string) => fs.symlinkSync(path.join(outside, 'nothing-yet'), dir), /job JP-s3: .*JP-s3 is a symbolic link/],
    ['a folder holding a link to a file elsewhere', (dir: string) => (fs.mkdirSync(dir), fs.symlinkSync(path.join(outside, 'secret.json'), path.join(dir, 'run.json'))), /JP-s3 holds the symbolic link run\.json/],
    ['a file', (dir: string) => fs.writeFileSync(dir, ''), /JP-s3 is not a folder/],
  ])('refuses a run folder that is %s, writing nothing there or where it leads', async (_, make, message) => {
    const dir = path.join(runs, 'JP-s3');
    make(dir);
    try {
      const [before, beforeOutside] = [snapshot(runs), snapshot(outside)];
      const error = await rejection(planTrainJob('JP-s3', job(), runs, noDataset));
      expect(error).toBeInstanceOf(JobRejected);
      expect(error.message).toMatch(message);
      expect([snapshot(runs), snapshot(outside)]).toEqual([before, beforeOutside]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(path.join(runs, 'DE-s3'), { recursive: true, force: true });
    }
  });

  it("fails a job whose --max-new-tokens passes the worker's model context, once and in one line, before training", async () => {
    // A worker's model as far as the check reads it: its graph hash and its context length.
    const maxPositions = 1024;
    const model = { sourceHash: MODEL_HASH, config: { maxPositions } } as unknown as LoadedModel;
    const planned = await planTrainJob('JP-cot-s3', { ...withRequest((r) => (r.instrument.format = { name: 'cot', maxNewTokens: 5000 })), run: 'JP-cot-s3' }, runs, noDataset);
    const before = snapshot(runs);
    const control = { interrupted: () => false, progress: () => {} };
    const error = await rejection(runTrainJob(planned, { model, settings: readSettings(), culturalBench: async () => { throw new Error('not asked'); } }, control));
    expect(error).toBeInstanceOf(JobRejected);
    // The cap leaves the prompt at least one position (the definition in docs/security.md).
    expect(error.message).toMatch(new RegExp(`^job JP-cot-s3: --max-new-tokens 5000: the model takes at most ${maxPositions} positions .*use --max-new-tokens ${maxPositions - 1} or less$`));
    expect(snapshot(runs)).toEqual(before);
  });

  it('knows every setting flag of every instrument: a new one is decided on, not carried blindly', () => {
    for (const option of instruments().flatMap((instrument) => instrument.options)) {
      const flag = option.flags.split(' ')[0];
      expect(JOB_SETTING_FLAGS, flag).toContain(flag);
    }
  });
});

/** Writes a job's stored fields as any Redis client could, after the job was added the ordinary way. */
async function writeRaw(address: QueueAddress, id: string, fields: Record<string, string>): Promise<void> {
  await withQueue(address, (queue) => queue.add('train', job({ run: id }), { jobId: id, attempts: 3 }));
  const client = new Redis(address.url);
  try {
    await client.hset(`bull:${address.name}:${id}`, fields);
  } finally {
    client.disconnect();
  }
}

describe('a job whose stored data is not a job, on a real Redis', () => {
  it.each([
    ['data that is not JSON', { data: 'not json {' }, /^job BAD-s1: its data in Redis is not JSON$/],
    ['options that are not JSON', { opts: '{"attempts":' }, /^job BAD-s1: its opts in Redis is not JSON$/],
    ['JSON that is not an object', { data: '[1,2]' }, /^job BAD-s1: data is not an object$/],
    ['a job naming a file outside --runs', { data: JSON.stringify({ ...withConstants('/etc/hostname'), run: 'BAD-s1' }) }, /^job BAD-s1: --constants "\/etc\/hostname" must be a path inside the runs folder/],
  ])('%s: the worker fails it at once with one line naming it, and queue status lists it', async (_, fields, reason) => {
    const name = `raw-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const address = parseQueueAddress(inject('redisUrl'), name);
    const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-sec-raw-'));
    await writeRaw(address, 'BAD-s1', fields);
    const events: WorkerEvent[] = [];
    let failed: () => void = () => {};
    const seen = new Promise<void>((resolve) => (failed = resolve));
    const worker = startWorker({
      address,
      concurrency: 1,
      run: async (queued) => {
        await planTrainJob(queued.id, queued.data, runs, noDataset);
        throw new Error('a bad job was planned');
      },
      onEvent: (event) => {
        events.push(event);
        if (event.event === 'failed') failed();
      },
    });
    try {
      await seen;
      worker.stop();
      await worker.done;
      expect(events.filter((e) => e.event === 'failed')).toEqual([{ event: 'failed', job: 'BAD-s1', error: expect.stringMatching(reason), retry: false }]);
      const status = runCli(['queue', 'status', '--queue', inject('redisUrl'), '--queue-name', name, '--json']);
      expect(status.code, status.stderr).toBe(0);
      const listed = JSON.parse(status.stdout) as { counts: Record<string, number>; failed: { id: string; error: string }[] };
      expect(listed.counts).toMatchObject({ waiting: 0, active: 0, failed: 1 });
      expect(listed.failed.map((f) => f.id)).toEqual(['BAD-s1']);
      expect(listed.failed[0].error).toMatch(reason);
      expect(fs.readdirSync(runs)).toEqual([]);
    } finally {
      worker.stop();
      await withQueue(address, (queue) => queue.obliterate({ force: true }));
      fs.rmSync(runs, { recursive: true, force: true });
    }
  });

  it('queue status prints what Redis holds as plain text: no escape sequence reaches the terminal', async () => {
    const name = `escape-${process.pid}`;
    const address = parseQueueAddress(inject('redisUrl'), name);
    await writeRaw(address, 'ESC-s1', { data: 'not json', failedReason: 'boom\u001b]0;owned\u0007\u001b[2J\nforged line' });
    const client = new Redis(address.url);
    try {
      await client.multi().lrem(`bull:${name}:wait`, 0, 'ESC-s1').zadd(`bull:${name}:failed`, Date.now(), 'ESC-s1').exec();
      const status = runCli(['queue', 'status', '--queue', inject('redisUrl'), '--queue-name', name]);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      const line = status.stdout.split('\n').find((l) => l.includes('ESC-s1')) as string;
      expect(line).toMatch(/ESC-s1 +failed +boom.*forged line$/);
    } finally {
      client.disconnect();
      await withQueue(address, (queue) => queue.obliterate({ force: true }));
    }
  });
});

describe('queue addresses and commands say what they do', () => {
  const withDb = (db: number) => {
    const url = new URL(inject('redisUrl'));
    url.pathname = `/${db}`;
    return url.href;
  };

  it('uses the database the URL names, and refuses one the server lacks in one line', async () => {
    const name = `db-${process.pid}`;
    const address = parseQueueAddress(withDb(3), name);
    await enqueueRuns(address, [job()]);
    const keysIn = async (db: number) => {
      const client = new Redis(withDb(db));
      try {
        return await client.keys(`bull:${name}:*`);
      } finally {
        client.disconnect();
      }
    };
    try {
      expect(await keysIn(3)).toContain(`bull:${name}:JP-s3`);
      expect(await keysIn(0)).toEqual([]);
    } finally {
      await withQueue(address, (queue) => queue.obliterate({ force: true }));
    }
    // Redis has 16 databases unless configured otherwise.
    const missing = runCli(['queue', 'status', '--queue', withDb(99)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cultune: redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/99: the server has no database 99 \([^\n]*\); name one it has, like \/0\n$/);
  });

  it('queue retry of a job that is not failed exits non-zero in one line and retries nothing', async () => {
    const name = `retry-${process.pid}`;
    const address = parseQueueAddress(inject('redisUrl'), name);
    await withQueue(address, async (queue) => {
      await queue.add('train', job({ run: 'FAIL-s1' }), { jobId: 'FAIL-s1' });
      await queue.add('train', job({ run: 'WAIT-s1' }), { jobId: 'WAIT-s1' });
    });
    const client = new Redis(address.url);
    await client.multi().lrem(`bull:${name}:wait`, 0, 'FAIL-s1').zadd(`bull:${name}:failed`, Date.now(), 'FAIL-s1').exec();
    client.disconnect();
    const retry = (...ids: string[]) => runCli(['queue', 'retry', '--queue', inject('redisUrl'), '--queue-name', name, ...ids]);
    try {
      const unknown = retry('FAIL-s1', 'NOPE-s1', 'WAIT-s1');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(new RegExp(`^cultune: queue ${name}: NOPE-s1 is unknown, WAIT-s1 is waiting; only failed jobs are retried[^\\n]*\\n$`));
      expect(await withQueue(address, (queue) => queue.getJobState('FAIL-s1'))).toBe('failed');
      const named = retry('FAIL-s1');
      expect(named.code, named.stderr).toBe(0);
      expect(named.stdout).toBe('retried 1 job: FAIL-s1\n');
    } finally {
      await withQueue(address, (queue) => queue.obliterate({ force: true }));
    }
  });

  it('sweep --queue creates a new --out before it tells workers to use it', async () => {
    const name = `out-${process.pid}`;
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-sec-out-')), 'new', 'runs');
    try {
      const sweep = runCli(
        ['sweep', '--queue', inject('redisUrl'), '--queue-name', name, '--model', MODEL, '--countries', 'JP', '--k', '2', '--dim', '16', '--pop', '6', '--budget', '18', '--variants', '1', '--constants', 'zero', '--out', out],
        { env },
      );
      expect(sweep.code, sweep.stderr).toBe(0);
      expect(sweep.stderr).toContain(`--runs ${out}`);
      expect(fs.statSync(out).isDirectory()).toBe(true);
    } finally {
      await withQueue(parseQueueAddress(inject('redisUrl'), name), (queue) => queue.obliterate({ force: true }));
      fs.rmSync(path.dirname(path.dirname(out)), { recursive: true, force: true });
    }
  });

  it('a worker refuses a runs folder it cannot write, in one line, before it loads the model', (context) => {
    // Root writes through permissions: there, a read-only mount stands in (sysfs is one in containers).
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-sec-ro-'));
    let runs = scratch;
    if (process.getuid?.() === 0) runs = '/sys';
    else fs.chmodSync(scratch, 0o555);
    try {
      let writable = true;
      try {
        fs.closeSync(fs.openSync(path.join(runs, '.probe'), 'wx'));
        fs.rmSync(path.join(runs, '.probe'));
      } catch {
        writable = false;
      }
      if (writable) context.skip('no read-only folder to try on this machine');
      const worker = runCli(['worker', '--queue', inject('redisUrl'), '--model', MODEL, '--runs', runs, '--device', 'cpu'], { env });
      expect(worker.code).toBe(1);
      expect(worker.stderr).toMatch(new RegExp(`^cultune: [^\\n]*${runs.replace(/[/.]/g, '\\$&')}[^\\n]*(permission denied|read-only)[^\\n]*\\n$`, 'i'));
    } finally {
      fs.chmodSync(scratch, 0o755);
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
