import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { modelGraphHash } from '../src/model/index.ts';
import { parseQueueAddress, type QueueAddress } from '../src/queue/connection.ts';
import { queueSnapshot, withQueue } from '../src/queue/status.ts';
import { CliProcess, type Event } from './helpers/child.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES, REPO } from './helpers/paths.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
// Three generations per run, as in the sweep test: seconds per run on the tiny model.
const SEARCH = ['--k', '2', '--dim', '16', '--pop', '6', '--budget', '18'];
/** One respondent variant for VSM 2013 (GlobalOpinionQA has none: it asks Durmus et al.'s prompt). */
const TRAINING = [...SEARCH, '--variants', '1'];
const COUNTRIES = ['JP', 'DE', 'BR'];
const RUNS = COUNTRIES.flatMap((c) => [`${c}-s1`, `${c}-s2`]);
// Shorter locks than production's 30 s, so that a killed worker's job moves on within seconds; long
// enough that a worker on a crowded machine still renews its lock in time.
const TIMING = ['--lock-duration', '10000', '--stalled-interval', '1000'];
const RUN_FILES = ['run.json', 'prompt.json'];

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file));
const losses = (dir: string) => {
  const result = JSON.parse(read(dir, 'result.json').toString());
  return { best: result.best, stopReason: result.stopReason, history: result.history.map((h: { seconds: number }) => ({ ...h, seconds: 0 })) };
};

function workerArgs(url: string, queue: string, runs: string): string[] {
  return ['worker', '--queue', url, '--queue-name', queue, '--model', MODEL, '--runs', runs, '--device', 'cpu', '--threads', '1', '--no-download', ...TIMING, '--json'];
}

function sweepArgs(url: string, queue: string, out: string, countries = COUNTRIES.join(','), seeds = '1,2'): string[] {
  return ['sweep', '--queue', url, '--queue-name', queue, '--model', MODEL, '--countries', countries, '--seeds', seeds, ...TRAINING, '--out', out, '--json'];
}

/** Every run folder ends as the local sequential sweep's: run.json and prompt.json byte for byte, the same result but for timings. */
function expectSameRuns(shared: string, local: string, runs: readonly string[]): void {
  for (const run of runs) {
    for (const file of RUN_FILES) expect(read(path.join(shared, run), file).equals(read(path.join(local, run), file)), `${run}/${file}`).toBe(true);
    expect(losses(path.join(shared, run)), run).toEqual(losses(path.join(local, run)));
    expect(fs.readdirSync(path.join(shared, run)).filter((f) => f.startsWith('.')), `${run}: no lock or temporary file left`).toEqual([]);
  }
}

const of = (events: readonly Event[], kind: string, job?: string) => events.filter((e) => e.event === kind && (job === undefined || e.job === job));

describe('cultune sweep --queue with cultune worker on a real Redis', () => {
  let work: string;
  let local: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-queue-'));
    local = path.join(work, 'local');
    // The reference: the same six runs trained here, one after another.
    const sweep = runCli(['sweep', '--model', MODEL, '--countries', COUNTRIES.join(','), '--seeds', '1,2', ...TRAINING, '--device', 'cpu', '--threads', '1', '--out', local], { env });
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(fs.readdirSync(local).sort()).toEqual([...RUNS].sort());
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('six jobs on three workers, one killed with -9 mid-job: each job completes once, and the runs equal the local sweep', async () => {
    const url = inject('redisUrl');
    const name = `sweep-${process.pid}`;
    const address = parseQueueAddress(url, name);
    const shared = path.join(work, 'shared');
    fs.mkdirSync(shared);

    const queued = runCli([...sweepArgs(url, name, shared), '--eval', 'soft'], { env });
    expect(queued.code, queued.stderr).toBe(0);
    const log = queued.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event);
    expect(of(log, 'queued').map((e) => [e.run, e.state])).toEqual(RUNS.map((run) => [run, 'added']));
    expect(queued.stdout).not.toContain(new URL(url).password);
    const again = runCli([...sweepArgs(url, name, shared), '--eval', 'soft'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('"added":0');
    // A job with bad settings, written straight to the queue as any Redis client could.
    const request = {
      country: 'JP',
      instrument: { name: 'vsm13', settings: {}, format: { name: 'classify' } },
      softPrompt: { k: 10, init: 'text', placement: 'start' },
      search: { space: 'subspace', strategy: 'shade', pop: 2, budget: 4000, seed: 9 },
      holdout: 0.3,
      target: { fallback: 'none' },
    };
    const bad = { run: 'JP-s9', request, model: modelGraphHash(MODEL), eval: [] };
    await withQueue(address, (queue) => queue.add('train', bad, { jobId: 'JP-s9', attempts: 3 }));

    const watcher = new CliProcess(['queue', 'status', '--queue', url, '--queue-name', name, '--watch', '--json'], env);
    const workers = [0, 1, 2].map(() => new CliProcess(workerArgs(url, name, shared), env));
    const first = await Promise.race(workers.map((w) => w.waitFor((e) => e.event === 'progress').then((e) => ({ w, e }))));
    const victim = first.w;
    const killedJob = first.e.job as string;
    victim.child.kill('SIGKILL');
    await victim.exited;

    // The report reads the runs folder while the sweep goes on.
    const folders = fs.readdirSync(shared).map((f) => path.join(shared, f)).filter((f) => fs.existsSync(path.join(f, 'run.json')));
    const report = runCli(['report', ...folders, '--out', path.join(work, 'report')], { env });
    expect(report.code, report.stderr).toBe(0);

    expect(await watcher.exited, watcher.stderr).toBe(0);
    const survivors = workers.filter((w) => w !== victim);
    for (const w of survivors) w.child.kill('SIGTERM');
    for (const w of survivors) expect(await w.exited, w.stderr).toBe(0);

    const events = workers.flatMap((w) => w.events);
    for (const run of RUNS) expect(of(events, 'completed', run), run).toHaveLength(1);
    expect(of(victim.events, 'completed', killedJob)).toHaveLength(0);
    // The job was handed on and resumed from the victim's last checkpoint, not from the start.
    const resumedBy = survivors.find((w) => of(w.events, 'job', killedJob).length > 0) as CliProcess;
    expect(of(resumedBy.events, 'job', killedJob)).toEqual([{ event: 'job', job: killedJob, attempt: 1 }]);
    expect((of(resumedBy.events, 'progress', killedJob)[0].progress as { generation: number }).generation).toBeGreaterThan(1);

    expectSameRuns(shared, local, RUNS);
    expect(fs.readdirSync(shared).sort()).toEqual([...RUNS, 'report'].filter((f) => f !== 'report').sort());
    for (const run of RUNS) {
      const evaluated = JSON.parse(read(path.join(shared, run), 'eval-soft.json').toString());
      // Training saw the split's training part: its best loss is the in-sample figure of the eval.
      expect(evaluated.inSample.loss.value).toBeCloseTo(losses(path.join(shared, run)).best.loss.value, 4);
    }

    // The bad job failed once, with its message, and was not retried.
    expect(of(events, 'failed', 'JP-s9').map((e) => e.retry)).toEqual([false]);
    await withQueue(address, async (queue) => {
      const snapshot = await queueSnapshot(queue, address);
      expect(snapshot.counts).toMatchObject({ waiting: 0, prioritized: 0, delayed: 0, active: 0, completed: 6, failed: 1 });
      expect(snapshot.failed).toEqual([{ id: 'JP-s9', attempts: 1, error: expect.stringMatching(/^job JP-s9: search\.pop \(--pop\): expected an integer >= 4, got "2"$/) }]);
      expect((await queue.getJob(killedJob))?.stalledCounter).toBe(1);
    });
    // The live view saw every job's progress and end.
    for (const run of RUNS) expect(of(watcher.events, 'progress', run).length, run).toBeGreaterThan(0);
    expect(watcher.events.at(-1)).toMatchObject({ event: 'idle', counts: { completed: 6, failed: 1 } });

    const status = runCli(['queue', 'status', '--queue', url, '--queue-name', name], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^queue sweep-\d+ on redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0, 0 workers connected\nwaiting 0, prioritized 0, delayed 0, active 0, completed 6, failed 1\n  JP-s9  failed  job JP-s9: search\.pop \(--pop\): expected an integer >= 4, got "2"\n$/);
    const drained = runCli(['queue', 'drain', '--queue', url, '--queue-name', name, '--finished'], { env });
    expect(drained.stdout).toBe('removed 0 waiting jobs and 7 finished\n');
  });

  it('a GlobalOpinionQA run goes through the queue too: the worker reads the dataset from --data, and the run equals the local sweep', async () => {
    const url = inject('redisUrl');
    const name = `goqa-${process.pid}`;
    const data = path.join(REPO, 'test/fixtures/globalopinionqa/global_opinions.csv');
    const goqa = ['--instrument', 'globalopinionqa', '--data', data, '--countries', 'DE', '--seeds', '1', ...SEARCH];
    const [shared, alone] = [path.join(work, 'goqa-shared'), path.join(work, 'goqa-local')];
    const localSweep = runCli(['sweep', '--model', MODEL, ...goqa, '--device', 'cpu', '--threads', '1', '--out', alone], { env });
    expect(localSweep.code, localSweep.stderr).toBe(0);
    fs.mkdirSync(shared);
    const queued = runCli(['sweep', '--queue', url, '--queue-name', name, '--model', MODEL, ...goqa, '--out', shared, '--json'], { env });
    expect(queued.code, queued.stderr).toBe(0);
    const [run] = fs.readdirSync(alone);
    const worker = new CliProcess([...workerArgs(url, name, shared), '--data', data], env);
    await worker.waitFor((e) => e.event === 'completed' && e.job === run);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.stderr).toBe(0);
    expectSameRuns(shared, alone, [run]);
  });

  describe('with Redis away for a few seconds and a worker stopped with SIGTERM', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis?.dispose());

    it('reconnects and loses nothing; SIGTERM returns the running job after its generation, and another worker finishes it', async () => {
      const name = 'outage';
      const address: QueueAddress = parseQueueAddress(redis.url, name);
      const shared = path.join(work, 'outage');
      fs.mkdirSync(shared);
      const runs = ['JP-s1', 'JP-s2'];
      // The password from the environment, not the command line.
      const url = `redis://127.0.0.1:${redis.port}/0`;
      const withPassword = { ...env, CULTUNE_REDIS_PASSWORD: redis.password };
      const queued = runCli(sweepArgs(url, name, shared, 'JP'), { env: withPassword });
      expect(queued.code, queued.stderr).toBe(0);

      const worker = new CliProcess(workerArgs(url, name, shared), withPassword);
      await worker.waitFor((e) => e.event === 'progress' && e.job === 'JP-s1');
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await redis.start();
      await worker.waitFor((e) => e.event === 'connection' && e.state === 'restored');
      // The second job: stopped by SIGTERM after its first generation.
      await worker.waitFor((e) => e.event === 'progress' && e.job === 'JP-s2');
      worker.child.kill('SIGTERM');
      expect(await worker.exited, worker.stderr).toBe(0);
      expect(of(worker.events, 'connection').map((e) => e.state)).toEqual(['lost', 'restored']);
      expect(of(worker.events, 'completed').map((e) => e.job)).toEqual(['JP-s1']);
      expect(of(worker.events, 'returned', 'JP-s2')).toHaveLength(1);
      const stoppedAt = Math.max(...of(worker.events, 'progress', 'JP-s2').map((e) => (e.progress as { generation: number }).generation));
      expect(JSON.parse(read(path.join(shared, 'JP-s2'), 'checkpoint.json').toString()).generation).toBe(stoppedAt);
      await withQueue(address, async (queue) => {
        expect((await queueSnapshot(queue, address)).counts).toMatchObject({ waiting: 1, active: 0, completed: 1, failed: 0 });
        expect((await queue.getJob('JP-s2'))?.attemptsMade).toBe(0);
      });

      const next = new CliProcess(workerArgs(url, name, shared), withPassword);
      await next.waitFor((e) => e.event === 'completed' && e.job === 'JP-s2');
      next.child.kill('SIGTERM');
      expect(await next.exited, next.stderr).toBe(0);
      expect((of(next.events, 'progress', 'JP-s2')[0].progress as { generation: number }).generation).toBe(stoppedAt + 1);
      expectSameRuns(shared, local, runs);
      await withQueue(address, async (queue) => {
        expect((await queueSnapshot(queue, address)).counts).toMatchObject({ waiting: 0, active: 0, completed: 2, failed: 0 });
      });
    });
  });
});
