import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { register } from '../src/cli/commands/culturalbench.ts';
import type { CulturalBenchReport } from '../src/culturalbench/index.ts';
import { commandOutput } from './helpers/command-output.ts';
import { CULTURALBENCH_DATA, FIXTURES } from './helpers/paths.ts';

const MODEL_DIR = path.join(FIXTURES, 'llama-f32');
const DATA_DIR = CULTURALBENCH_DATA;
const HIDDEN = 64;

const cultune = (...args: string[]) => commandOutput(register, ['culturalbench', ...args]);

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('cultune culturalbench', () => {
  it('prints a table and writes the JSON report', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-cb-cli-'));
    dirs.push(dir);
    const output = path.join(dir, 'out.json');
    const printed = await cultune('--model', MODEL_DIR, '--device', 'cpu', '--culturalbench-data', DATA_DIR, '--condition', 'persona', '--country', 'peru', '--limit', '2', '--output', output, '--bootstrap', '50');
    expect(printed).toMatch(/^group\s+n\s+Easy letter mean \[95% CI\]/);
    expect(printed).toMatch(/^overall\s+2\s/m);
    expect(printed).toMatch(/^region: Latin America\s+2\s/m);
    expect(printed).toContain(`wrote ${output}`);
    const report = JSON.parse(fs.readFileSync(output, 'utf8')) as CulturalBenchReport;
    expect(report.condition).toEqual({ kind: 'persona', style: 'system' });
    expect(report.results.byCountry.Peru.easy!.letter.questions).toBe(2);
    expect(report.results.byCountry.Peru.hard!.questions).toBe(2);
    expect(report.timing.requests).toBe(2 * 5 + 2 * 4);
    expect(report.data.map((f) => f.origin)).toEqual(['local', 'local']);
    expect(report.cross).toBeNull();
  });

  it("asks with the country's own soft prompt from a folder, and with --cross with the others", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-cb-cli-'));
    dirs.push(dir);
    const prompt = (seed: number) => JSON.stringify({ shape: [2, HIDDEN], data: Array.from({ length: 2 * HIDDEN }, (_, i) => Math.sin(i + seed) * 0.01) });
    fs.mkdirSync(path.join(dir, 'prompts'));
    fs.writeFileSync(path.join(dir, 'prompts', 'peru.json'), prompt(1));
    fs.writeFileSync(path.join(dir, 'prompts', 'Japan.json'), prompt(2));
    const output = path.join(dir, 'soft.json');
    const printed = await cultune('--model', MODEL_DIR, '--device', 'cpu', '--culturalbench-data', DATA_DIR, '--condition', 'soft', '--soft-prompt-dir', path.join(dir, 'prompts'), '--cross', '--country', 'Peru', '--limit', '2', '--output', output, '--json');
    const report = JSON.parse(printed) as CulturalBenchReport;
    expect(JSON.parse(fs.readFileSync(output, 'utf8'))).toEqual(report);
    expect(report.condition).toMatchObject({ kind: 'soft', placement: 'start' });
    expect(Object.keys(report.results.byCountry)).toEqual(['Peru']);
    expect(report.cross!.map((c) => `${c.conditioning}>${c.country}:${c.questions}`)).toEqual(['Japan>Peru:2', 'Peru>Peru:2']);
  });

  it('rejects inconsistent flags before loading anything', async () => {
    await expect(cultune('--model', 'nowhere', '--condition', 'soft')).rejects.toThrow(/--condition soft needs exactly one of --soft-prompt FILE or --soft-prompt-dir DIR/);
    await expect(cultune('--model', 'nowhere', '--soft-prompt', 'x.npy')).rejects.toThrow(/need --condition soft/);
    await expect(cultune('--model', 'nowhere', '--cross')).rejects.toThrow(/--cross needs --condition persona/);
    await expect(cultune('--model', 'nowhere', '--culturalbench-data', DATA_DIR, '--country', 'Atlantis')).rejects.toThrow(/unknown country "Atlantis"/);
  });
});
