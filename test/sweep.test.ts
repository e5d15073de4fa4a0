import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { FIXTURES, REPO } from './helpers/paths.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
// Three generations per country: enough to kill one in the middle, small enough for seconds.
const TRAINING = ['--device', 'cpu', '--k', '2', '--dim', '16', '--pop', '6', '--budget', '18', '--variants', '1', '--seed', '3'];
const sweepArgs = (out: string, countries = 'JP,DE') => ['sweep', '--model', MODEL, '--countries', countries, ...TRAINING, '--out', out];
const RUNS = ['JP-s3', 'DE-s3'];

type Event = { event: string; country?: string; resumed?: boolean; [key: string]: unknown };
const events = (stdout: string): Event[] => stdout.trim().split('\n').map((line) => JSON.parse(line));
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const losses = (result: { history: { bestLoss: number; medianLoss: number }[] }) => result.history.map((h) => [h.bestLoss, h.medianLoss]);

/** Starts a sweep and kills it with -9 at the first generation of `country`. */
async function killDuring(out: string, country: string): Promise<void> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/cultune.js'), ...sweepArgs(out), '--json'], { env: { ...process.env, ...env } });
  await new Promise<void>((resolve) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(`"event":"generation","country":"${country}"`)) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
}

describe('cultune sweep', () => {
  let work: string;
  let whole: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-sweep-'));
    whole = path.join(work, 'whole');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('trains each country into its own run folder; a second invocation skips both and changes nothing', () => {
    const first = runCli([...sweepArgs(whole), '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const log = events(first.stdout);
    expect(log.filter((e) => e.event === 'country').map((e) => [e.country, e.resumed])).toEqual([['JP', false], ['DE', false]]);
    expect(log.filter((e) => e.event === 'finished').map((e) => e.country)).toEqual(['JP', 'DE']);
    expect(log.filter((e) => e.event === 'generation' && e.country === 'DE')).toHaveLength(3);
    const results = RUNS.map((run) => JSON.parse(read(path.join(whole, run), 'result.json')));
    expect(log.at(-1)).toEqual({ event: 'sweep', runs: RUNS.map((run, i) => ({ country: run.slice(0, 2), run: path.join(whole, run), bestLoss: results[i].best.loss.value })) });

    // The second country trained on the model the first one used equals a train run of it alone.
    const alone = runCli(['train', '--model', MODEL, '--country', 'DE', ...TRAINING, '--out', path.join(work, 'alone'), '--json'], { env });
    expect(alone.code, alone.stderr).toBe(0);
    expect(read(path.join(work, 'alone/DE-s3'), 'prompt.json')).toBe(read(path.join(whole, 'DE-s3'), 'prompt.json'));
    expect(JSON.parse(read(path.join(work, 'alone/DE-s3'), 'result.json')).best).toEqual(results[1].best);

    const prompts = RUNS.map((run) => fs.readFileSync(path.join(whole, run, 'prompt.json')));
    const again = runCli(sweepArgs(whole), { env });
    expect(again.code, again.stderr).toBe(0);
    const lines = again.stderr.trim().split('\n');
    expect(lines.filter((l) => l.endsWith('skipped'))).toEqual(
      RUNS.map((run, i) => `${run.slice(0, 2)}: finished already in ${path.join(whole, run)} (best vsm13 loss ${results[i].best.loss.value.toFixed(3)}); skipped`),
    );
    expect(lines.some((l) => l.startsWith('gen '))).toBe(false);
    RUNS.forEach((run, i) => expect(fs.readFileSync(path.join(whole, run, 'prompt.json')).equals(prompts[i])).toBe(true));
  });

  it('killed with -9 during the second country and run again, ends exactly as the uninterrupted sweep', async () => {
    const out = path.join(work, 'killed');
    await killDuring(out, 'DE');
    expect(fs.existsSync(path.join(out, 'JP-s3/result.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'DE-s3/checkpoint.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'DE-s3/result.json'))).toBe(false);

    const resumed = runCli([...sweepArgs(out), '--json'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const log = events(resumed.stdout);
    expect(log.filter((e) => e.event === 'skipped').map((e) => e.country)).toEqual(['JP']);
    expect(log.filter((e) => e.event === 'country').map((e) => [e.country, e.resumed])).toEqual([['DE', true]]);
    for (const run of RUNS) {
      const [a, b] = [JSON.parse(read(path.join(whole, run), 'result.json')), JSON.parse(read(path.join(out, run), 'result.json'))];
      expect(b.best, run).toEqual(a.best);
      expect(losses(b), run).toEqual(losses(a));
      expect(read(path.join(out, run), 'prompt.json'), run).toBe(read(path.join(whole, run), 'prompt.json'));
    }
  });

  it('an unknown country is one line before any training', () => {
    const out = path.join(work, 'unknown');
    const result = runCli(sweepArgs(out, 'JP,Atlantis'), { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^cultune: [^\n]*Atlantis[^\n]*\n$/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses to continue a folder that holds a run with other settings', () => {
    const result = runCli([...sweepArgs(whole), '--budget', '12'], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^cultune: [^\n]*JP-s3 holds another run \(budget 18 there, 12 asked\)[^\n]*\n$/);
  });
});
