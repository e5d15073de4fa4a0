import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cultune, type CliResult } from './helpers/in-process.ts';
import { expectCleanFailure, makeGround, removeGround, problemLines, runBadCase, smallTrainArgs, trainBase, Work, type Ground } from './helpers/bad-inputs.ts';
import { REPO } from './helpers/paths.ts';

/**
 * Failures that need the real system: file systems that are read-only or full, folders the user may
 * not write, damaged caches, and a run killed with -9 that stays a zombie. Read-only and full file
 * systems are made in a user and mount namespace (unshare -rm, a tmpfs of 1 MiB); another user through
 * a user namespace (unshare -U). Where the kernel or the container does not allow namespaces, those
 * cases are skipped.
 */

let ground: Ground;
/** A finished run (k 2, budget 8), trained once; cases work on copies. */
let finished: string;
const trainArgs = (out: string, ...extra: string[]) => smallTrainArgs(ground, out, ...extra);

beforeAll(async () => {
  ground = makeGround('bad-system');
  finished = await trainBase(ground);
  // Another user (a user namespace without a mapping) must be able to read the model and the run.
  fs.chmodSync(ground.root, 0o755);
});
afterAll(() => removeGround(ground));

const canRun = (command: string[]) => spawnSync(command[0], command.slice(1), { stdio: 'ignore' }).status === 0;
function mountNamespaces(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-probe-'));
  const allowed = canRun(['unshare', '-rm', 'sh', '-c', `mount -t tmpfs -o size=64k none ${probe}`]);
  fs.rmdirSync(probe);
  return allowed;
}
const userNamespaces = () => canRun(['unshare', '-U', 'true']);

interface BatchCase {
  args: string[];
  watch: string;
  env?: Record<string, string>;
}
type BatchResult = CliResult & { before: Record<string, string>; after: Record<string, string> };

/** Runs cases in one Node process started by `wrapper` (e.g. unshare and a setup script), through helpers/cli-batch.ts. */
function runBatch(wrapper: string[], cases: BatchCase[]): BatchResult[] {
  const file = path.join(fs.mkdtempSync(path.join(ground.root, 'batch-')), 'cases.json');
  fs.writeFileSync(file, JSON.stringify(cases.map((c) => ({ ...c, env: { ...ground.env, ...c.env } }))));
  fs.chmodSync(path.dirname(file), 0o755);
  const node = [process.execPath, path.join(REPO, 'bin/run-ts.js'), path.join(REPO, 'test/helpers/cli-batch.ts'), file];
  const child = spawnSync(wrapper[0], [...wrapper.slice(1), ...node], { encoding: 'utf8', cwd: REPO, timeout: 120_000 });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as BatchResult[];
}

/** A shell wrapper: `setup` runs first, then the batch runner replaces the shell. */
const inNamespace = (setup: string) => ['unshare', '-rm', 'sh', '-c', `set -e; ${setup}; exec "$0" "$@"`];

/** A case folder holding an unfinished copy of the run, an earlier export of it, and an earlier score output. */
function stage(work: Work): void {
  const run = work.copy(finished, 'run');
  fs.rmSync(path.join(run, 'result.json'));
  work.copy(finished, 'exported');
  work.file('out.jsonl', '{"id": "earlier"}\n');
}

const prompts = (work: Work) => work.file('in/prompts.jsonl', '{"id": 1, "prompt": "Leisure is", "options": [" 1", " 2"]}\n');

/** The commands that write into `dir`, each expected to fail there with `problem`. */
function writersInto(dir: string, input: string, problem: string): (BatchCase & { error: RegExp })[] {
  const cases: [string[], RegExp][] = [
    [['score', '--model', ground.model, '--device', 'cpu', '--input', input, '--output', path.join(dir, 'out.jsonl')], /cannot write .*out\.jsonl/],
    [['export', path.join(dir, 'run'), '--format', 'npy', '--out', path.join(dir, 'exported')], /cannot write .*exported\/prompt\.npy/],
    [['export', finished, '--out', path.join(dir, 'exported')], /cannot write .*exported\/adapter_model\.safetensors/],
    [trainArgs(dir, '--resume'), /cannot (write|create the folder) .*run(\/\.lock)?/],
    [trainArgs(dir, '--name', 'fresh'), /cannot (write|create the folder) .*fresh(\/\.lock)?/],
    [['sweep', '--model', ground.model, '--countries', 'JP', '--out', path.join(dir, 'sweep')], /cannot create the folder .*sweep/],
    [['eval', path.join(dir, 'run'), '--device', 'cpu', '--no-download'], /cannot write into .*run/],
    [['report', path.join(dir, 'run'), '--out', path.join(dir, 'report')], /cannot write .*report\/report\.md/],
    [['targets', '--country', 'JP', '--json', path.join(dir, 't.json')], /cannot write .*t\.json/],
    [['vsm13', '--model', ground.model, '--json', path.join(dir, 'v.json')], /cannot write .*v\.json/],
    [['culturalbench', '--model', ground.model, '--culturalbench-data', path.join(REPO, 'test/fixtures/culturalbench-missing'), '--output', path.join(dir, 'cb.json')], /cannot write .*cb\.json/],
    [['demo', '--out', path.join(dir, 'demo'), '--no-download'], /cannot create the folder .*demo/],
  ];
  return cases.map(([args, error]) => ({ args, watch: dir, error: new RegExp(`${error.source}: ${problem}`) }));
}

describe.skipIf(!mountNamespaces())('file systems that refuse writes', () => {
  it('read-only: every writer says which path, that it is read-only, and what to do; nothing changes', () => {
    const work = new Work(ground);
    stage(work);
    const input = prompts(work);
    const readOnly = work.dir;
    const cache = new Work(ground).dir;
    const cases = [
      ...writersInto(readOnly, input, 'read-only file system; choose another location'),
      // Refused before the bundle is built (minutes): its parts are written beside --out.
      { args: ['bundle', '--out', path.join(readOnly, 'bundle')], watch: readOnly, error: /cannot create the folder .*bundle: read-only file system; choose another location/ },
      // An unwritable cache: the prepared graph cannot be stored, and the line says where to point the cache.
      { args: ['score', '--model', ground.model, '--device', 'cpu', '--input', input], env: { CULTUNE_CACHE: cache }, watch: cache, error: /cannot write .*prepared\/.*model\.onnx: read-only file system; set CULTUNE_CACHE to a writable folder/ },
    ];
    const results = runBatch(inNamespace(`for d in ${readOnly} ${cache}; do mount --bind $d $d; mount -o remount,ro,bind $d $d; done`), cases);
    results.forEach((result, i) => expectCleanFailure(result, cases[i].error, result.before, result.after));
  });

  it('full: a write that runs out of space leaves the earlier export, output and checkpoint whole, and no temporary file or empty lock', () => {
    const staging = new Work(ground);
    stage(staging);
    const input = prompts(staging);
    const full = new Work(ground).dir;
    const cases = writersInto(full, input, 'no space left on the device; free some space or choose another disk').filter(({ args }) => ['score', 'export', 'train', 'report'].includes(args[0]));
    const fill = `mount -t tmpfs -o size=1m none ${full}; cp -a ${staging.dir}/. ${full}/; dd if=/dev/zero of=${full}/filler bs=4k 2>/dev/null || true`;
    const results = runBatch(inNamespace(fill), cases);
    expect(results).toHaveLength(6);
    results.forEach((result, i) => {
      expectCleanFailure(result, cases[i].error, result.before, result.after);
      expect(result.after['out.jsonl']).toBeDefined();
      expect(Object.keys(result.after).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
    });
  });
});

describe.skipIf(process.getuid?.() !== 0 || !userNamespaces())('folders the user may not write (another user, through a user namespace)', () => {
  it('permission denied: one line naming the path, nothing changes', () => {
    const work = new Work(ground);
    stage(work);
    const input = prompts(work);
    fs.chmodSync(path.dirname(input), 0o755);
    fs.chmodSync(input, 0o644);
    const cases = writersInto(work.dir, input, 'permission denied; change its permissions or choose another location').filter(({ args }) => ['score', 'export', 'report', 'targets'].includes(args[0]));
    for (const dir of [work.dir, path.join(work.dir, 'run'), path.join(work.dir, 'exported')]) fs.chmodSync(dir, 0o555);
    const results = runBatch(['unshare', '-U'], cases);
    results.forEach((result, i) => expectCleanFailure(result, cases[i].error, result.before, result.after));
  });
});

describe('file size limit (ulimit -f)', () => {
  it('a file too large for the process limit is one line; the earlier export stays whole', () => {
    const work = new Work(ground);
    stage(work);
    const cases = [{ args: ['export', finished, '--format', 'json', '--out', work.path('exported')], watch: work.dir, error: /cannot write .*exported\/prompt\.json: file too large for the file system or the process limit \(ulimit -f\)/ }];
    const results = runBatch(['sh', '-c', 'ulimit -f 2; exec "$0" "$@"'], cases);
    expectCleanFailure(results[0], cases[0].error, results[0].before, results[0].after);
  });
});

describe('the prepared-graph cache', () => {
  const score = (cache: string, input: string) => cultune(['score', '--model', ground.model, '--device', 'cpu', '--input', input], { CULTUNE_CACHE: cache });
  const entry = (cache: string) => {
    const [folder] = fs.readdirSync(path.join(cache, 'prepared'));
    return path.join(cache, 'prepared', folder);
  };

  it.each([
    ['facts.json edited', (dir: string) => fs.writeFileSync(path.join(dir, 'facts.json'), fs.readFileSync(path.join(dir, 'facts.json'), 'utf8').replace('"float32"', '"float16"')), /facts\.json does not match its checksum/],
    ['facts.json not JSON', (dir: string) => fs.writeFileSync(path.join(dir, 'facts.json'), '{"facts": '), /facts\.json is not valid JSON/],
    ['model.onnx truncated', (dir: string) => fs.truncateSync(path.join(dir, 'model.onnx'), 1000), /model\.onnx does not match its checksum/],
    ['model.onnx missing', (dir: string) => fs.rmSync(path.join(dir, 'model.onnx')), /model\.onnx is missing/],
  ] as const)('%s: rebuilt with a notice, and scores as before', async (_name, damage, reason) => {
    const work = new Work(ground);
    const input = prompts(work);
    const cache = work.path('cache');
    const clean = await score(cache, input);
    expect(clean.code, clean.stderr).toBe(0);
    const intact = fs.readFileSync(path.join(entry(cache), 'model.onnx'));
    damage(entry(cache));
    const repaired = await score(cache, input);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(problemLines(repaired.stderr)).toEqual([expect.stringMatching(new RegExp(`^cultune: the prepared-graph cache .* was damaged \\(${reason.source}\\); rebuilding it$`))]);
    expect(repaired.stdout).toBe(clean.stdout);
    expect(fs.readFileSync(path.join(entry(cache), 'model.onnx')).equals(intact)).toBe(true);
    const again = await score(cache, input);
    expect(problemLines(again.stderr)).toEqual([]);
  });

  it('a cache folder that is a file is one line saying to set CULTUNE_CACHE', async () => {
    await runBadCase({ ...ground, env: { CULTUNE_CACHE: path.join(ground.root, 'base', 'run', 'result.json') } }, {
      name: 'cache is a file',
      args: (w) => ['score', '--model', ground.model, '--device', 'cpu', '--input', prompts(w)],
      error: /cannot write .*result\.json\/prepared\/.*model\.onnx: .*result\.json is a file, not a folder; set CULTUNE_CACHE to a writable folder/,
    });
  });

  it('a damaged CulturalBench cache with downloads off is one line', async () => {
    await runBadCase(ground, {
      name: 'damaged CulturalBench cache',
      args: (w) => {
        w.file('cb-cache/CulturalBench-Easy.csv', 'data_idx,question_idx\n');
        return ['culturalbench', '--model', ground.model, '--cache-dir', w.path('cb-cache'), '--no-download', '--output', w.path('cb.json')];
      },
      error: /cached .*CulturalBench-Easy\.csv is damaged \(sha256 [0-9a-f]{12}\.\.\., expected d37576cadd51\.\.\.\); allow downloads to fetch it again, or pass --culturalbench-data with a local copy/,
    });
  });
});

describe('a run killed with -9 whose parent does not reap it', () => {
  const children: { kill(): void }[] = [];
  afterAll(() => children.forEach((child) => child.kill()));

  it('stays a zombie holding its lock, and --resume right away takes over and finishes', async () => {
    const work = new Work(ground);
    const args = trainArgs(work.dir, '--budget', '20');
    // sh starts the run in the background and turns into `sleep`, which never waits for its children:
    // the killed run stays a zombie, as under a parent (or a PID 1) that reaps late.
    const shell = spawn('sh', ['-c', 'node "$@" >/dev/null 2>&1 & echo $!; exec sleep 120', 'sh', path.join(REPO, 'bin/cultune.js'), ...args], {
      env: { ...process.env, ...ground.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(shell);
    const pid = Number(await new Promise<string>((resolve) => shell.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    const checkpoint = work.path('run', 'checkpoint.json');
    const state = () => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    };
    for (let waited = 0; !fs.existsSync(checkpoint); waited += 50) {
      expect(waited, 'the run never wrote a checkpoint').toBeLessThan(60_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.kill(pid, 'SIGKILL');
    for (let waited = 0; state() !== 'Z'; waited += 10) {
      expect(waited).toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // What made the old check refuse: the zombie still "exists" for kill(pid, 0), and its lock is there.
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(JSON.parse(fs.readFileSync(work.path('run', '.lock'), 'utf8')).pid).toBe(pid);
    const resumed = await cultune([...args, '--resume'], ground.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(problemLines(resumed.stderr).filter((l) => l.startsWith('cultune: '))).toEqual([]);
    const result = JSON.parse(fs.readFileSync(work.path('run', 'result.json'), 'utf8'));
    expect(result.history.map((h: { evaluations: number }) => h.evaluations)).toEqual([4, 8, 12, 16, 20]);
    expect(state()).toBe('Z');
  });
});
