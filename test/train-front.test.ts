import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCulturalBench } from '../src/culturalbench/index.ts';
import { dominates, kneeIndex } from '../src/de/index.ts';
import { runCli } from './helpers/cli.ts';
import { killAfterGenerations } from './helpers/kill.ts';
import { chromium, requireChromium } from './helpers/chromium.ts';
import { CULTURALBENCH_DATA, FIXTURES } from './helpers/paths.ts';
import { readSettings } from '../src/util/settings.ts';

const modelDir = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
// Canada has 7 CulturalBench questions: 4 to train on, 3 held out; a generation takes about a second.
const trainArgs = (out: string) => [
  'train', '--model', modelDir, '--country', 'CA', '--device', 'cpu', '--k', '2', '--dim', '16', '--pop', '8', '--budget', '32',
  '--variants', '1', '--seed', '3', '--out', out, '--name', 'run', '--json', '--objectives', 'vsm13,culturalbench', '--culturalbench-data', CULTURALBENCH_DATA,
];

interface Front {
  chosen: number;
  objectives: string[];
  members: { objectives: number[]; vector: number[]; prompt: { shape: number[]; data: number[] } }[];
}

/** Area dominated by 2-D points (minimised) up to the reference, summed strip by strip: an independent check of the run's number. */
function area2d(points: number[][], reference: number[]): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let ceiling = reference[1];
  for (const [x, y] of sorted) {
    if (y < ceiling) {
      total += (reference[0] - x) * (ceiling - y);
      ceiling = y;
    }
  }
  return total;
}

describe('cultune train --objectives (GDE3 on an instrument and CulturalBench)', () => {
  let work: string;
  const run = (dir: string) => path.join(work, dir, 'run');
  const read = (dir: string, file: string) => fs.readFileSync(path.join(run(dir), file), 'utf8');
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-front-'));
    const whole = runCli(trainArgs(path.join(work, 'a')), { env });
    if (whole.code !== 0) throw new Error(whole.stderr);
  }, 120_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('killed with -9 and resumed, ends exactly as an uninterrupted run: front, prompts, optimiser state, hypervolume history', async () => {
    await killAfterGenerations(trainArgs(path.join(work, 'b')), env, 2);
    expect(fs.existsSync(path.join(run('b'), 'result.json'))).toBe(false);
    const resumed = runCli([...trainArgs(path.join(work, 'b')), '--resume'], { env });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    for (const file of ['front.json', 'prompt.json', 'run.json']) expect(read('b', file), file).toBe(read('a', file));
    const [a, b] = ['a', 'b'].map((dir) => JSON.parse(read(dir, 'checkpoint.json')));
    // Everything but the wall-clock start (only read for a time limit) is the same.
    const withoutClock = (de: { state: Record<string, unknown> }) => ({ ...de, state: { ...de.state, startedAtMs: 0 } });
    expect(withoutClock(b.de)).toEqual(withoutClock(a.de));
    const numbers = (history: { bestLoss: number; medianLoss: number; hypervolume: number; frontSize: number }[]) =>
      history.map((h) => [h.bestLoss, h.medianLoss, h.hypervolume, h.frontSize]);
    expect(numbers(b.history)).toEqual(numbers(a.history));
    expect(JSON.parse(read('b', 'result.json')).best).toEqual(JSON.parse(read('a', 'result.json')).best);
  }, 180_000);

  it('the front: at least 3 mutually non-dominated members, the knee as prompt.json, the hypervolume of the last generation', () => {
    const front: Front = JSON.parse(read('a', 'front.json'));
    const checkpoint = JSON.parse(read('a', 'checkpoint.json'));
    expect(front.objectives).toEqual(['vsm13', 'culturalbench']);
    expect(front.members.length).toBeGreaterThanOrEqual(3);
    const flat = front.members.flatMap((m) => m.objectives);
    front.members.forEach((_, i) => front.members.forEach((__, j) => expect(dominates(flat, i, j, 2)).toBe(false)));
    for (const m of front.members) {
      expect(m.objectives[1]).toBeGreaterThan(0);
      expect(m.objectives[1]).toBeLessThan(1);
    }
    expect(front.chosen).toBe(kneeIndex(front.members.map((m) => m.objectives)));
    expect(JSON.parse(read('a', 'prompt.json')).data).toEqual(front.members[front.chosen].prompt.data);
    const last = checkpoint.history.at(-1);
    expect(last.frontSize).toBe(front.members.length);
    expect(last.hypervolume).toBeCloseTo(area2d(front.members.map((m) => m.objectives), checkpoint.hypervolumeReference), 12);
    expect(checkpoint.history).toHaveLength(4);
  });

  it("run.json stores a 50/50 split of the country's question ids; the split is the seed's", async () => {
    const info = JSON.parse(read('a', 'run.json'));
    const data = await loadCulturalBench(readSettings(), { dataDir: CULTURALBENCH_DATA });
    const ids = data.easy.filter((q) => q.country === 'Canada').map((q) => q.id).sort((x, y) => x - y);
    const { split } = info.objectives;
    expect(split.country).toBe('Canada');
    expect([...split.train, ...split.heldOut].sort((x: number, y: number) => x - y)).toEqual(ids);
    expect(split.train.length - split.heldOut.length).toBe(ids.length % 2);
    expect(split.seed).toBe('3');
  });

  it('export --front N writes member N; without it the knee; a member that does not exist is one line', () => {
    const front: Front = JSON.parse(read('a', 'front.json'));
    const last = front.members.length - 1;
    const out = path.join(work, 'export');
    const exported = runCli(['export', run('a'), '--format', 'json', '--front', String(last), '--out', out], { env });
    expect(exported.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'prompt.json'), 'utf8')).data).toEqual(front.members[last].prompt.data);
    const metadata = JSON.parse(fs.readFileSync(path.join(out, 'cultune_metadata.json'), 'utf8'));
    expect(metadata.front).toMatchObject({ index: last, chosen: front.chosen, rule: 'knee', values: front.members[last].objectives });
    const byDefault = runCli(['export', run('a'), '--format', 'json', '--out', path.join(work, 'export-knee')], { env });
    expect(byDefault.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(work, 'export-knee/prompt.json'), 'utf8')).data).toEqual(front.members[front.chosen].prompt.data);
    const missing = runCli(['export', run('a'), '--front', '99', '--out', path.join(work, 'nope')], { env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/--front 99: the front of .* has members 0 to \d+/);
    expect(fs.existsSync(path.join(work, 'nope'))).toBe(false);
  });

  it('--objectives with an unknown name, or two instruments, is one line and writes no run folder', () => {
    for (const [list, message] of [['vsm13,knowledge', /unknown objective "knowledge"/], ['vsm13', /one instrument and culturalbench/]] as const) {
      const result = runCli(trainArgs(path.join(work, 'bad')).map((a) => (a === 'vsm13,culturalbench' ? list : a)), { env });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(path.join(work, 'bad'))).toBe(false);
    }
  });

  it('eval --front on held-out questions, then the report draws the front in Chromium', () => {
    const evaluated = runCli(['eval', run('a'), '--front', '--device', 'cpu', '--culturalbench-data', CULTURALBENCH_DATA, '--bootstrap', '200', '--json'], { env });
    expect(evaluated.stderr).toBe('');
    expect(evaluated.code).toBe(0);
    const record = JSON.parse(read('a', 'front-eval.json'));
    const front: Front = JSON.parse(read('a', 'front.json'));
    const info = JSON.parse(read('a', 'run.json'));
    expect(record.heldOutQuestions).toBe(info.objectives.split.heldOut.length);
    const members = record.points.filter((p: { kind: string }) => p.kind === 'front');
    expect(members).toHaveLength(front.members.length);
    // The instrument half of each member re-evaluated alone on the training part of the run's split matches its training objective.
    expect(info.holdout.by).toBe('respondent');
    members.forEach((p: { inSampleLoss: number; trainObjectives: number[] }) => expect(p.inSampleLoss).toBeCloseTo(p.trainObjectives[0], 4));
    expect(record.points.map((p: { kind: string }) => p.kind).slice(-2)).toEqual(['none', 'persona']);

    const out = path.join(work, 'report');
    const report = runCli(['report', run('a'), '--out', out], { env });
    expect(report.code).toBe(0);
    requireChromium();
    const page = path.join(out, 'measure.html');
    const measure = `<script>
const svg = [...document.querySelectorAll('svg')].find((s) => s.querySelector('.front-line'));
const box = svg.getBoundingClientRect();
const points = [...svg.querySelectorAll('.point')].map((e) => { const r = e.getBoundingClientRect(); return { kind: e.dataset.kind, chosen: e.dataset.chosen === 'true', x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2, w: r.width }; });
const pre = document.createElement('pre'); pre.id = 'measured';
pre.textContent = JSON.stringify({ box: [box.left, box.top, box.right, box.bottom], points, whiskers: svg.querySelectorAll('.whisker').length });
document.body.append(pre);
</script>`;
    fs.writeFileSync(page, fs.readFileSync(path.join(out, 'report.html'), 'utf8').replace('</body>', `${measure}</body>`));
    const dom = chromium(page, path.join(work, 'chromium-profile'), '--dump-dom');
    const measured = JSON.parse(/<pre id="measured">([^<]*)<\/pre>/.exec(dom)![1].replace(/&quot;/g, '"'));
    const drawn = measured.points.filter((p: { kind: string }) => p.kind === 'front');
    expect(drawn.length).toBeGreaterThanOrEqual(3);
    expect(new Set(drawn.map((p: { x: number }) => Math.round(p.x))).size).toBe(drawn.length);
    for (const p of measured.points) {
      expect(p.w).toBeGreaterThan(4);
      expect(p.x > measured.box[0] && p.x < measured.box[2] && p.y > measured.box[1] && p.y < measured.box[3]).toBe(true);
    }
    expect(measured.points.filter((p: { chosen: boolean }) => p.chosen)).toHaveLength(1);
    expect(measured.points.map((p: { kind: string }) => p.kind)).toEqual(expect.arrayContaining(['none', 'persona']));
    // One whisker per point whose held-out interval has a width (a zero-width one would be a dash across the marker).
    const spread = record.points.filter((p: { heldOut: { ci95: [number | null, number | null] } }) => p.heldOut.ci95[0] !== null && p.heldOut.ci95[0] !== p.heldOut.ci95[1]);
    expect(measured.whiskers).toBe(spread.length);
  }, 240_000);
});
