import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from '../src/cli/commands/survey.ts';
import { DIMENSIONS } from '../src/targets/index.ts';
import { UserError } from '../src/util/errors.ts';
import { FIXTURES } from './helpers/paths.ts';

const tinyModel = path.join(FIXTURES, 'llama-f32');

async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  let out = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'cultune', 'vsm13', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return out;
}

describe('cultune vsm13 (the survey command for one instrument)', () => {
  it('checks its flags before loading any model', async () => {
    await expect(run('--model', 'no-such-dir', '--persona')).rejects.toThrow(/--persona needs --country/);
    await expect(run('--model', 'no-such-dir', '--country', 'Atlantis')).rejects.toThrow(UserError);
    await expect(run('--model', 'no-such-dir', '--constants', 'PDI=x')).rejects.toThrow(/--constants/);
    await expect(run('--model', 'no-such-dir', '--variants', '0')).rejects.toThrow(/--variants/);
    await expect(run('--model', 'x', '--country', 'SA', '--persona', '--soft-prompt', 'p.npy')).rejects.toThrow(CommanderError);
  });

  it('prints the six scores, the target and the loss on the tiny model', async () => {
    const common = ['--model', tinyModel, '--device', 'cpu', '--country', 'SA', '--fallback', 'region', '--persona', '--variants', '2'];
    const report = JSON.parse(await run(...common, '--constants', 'zero', '--json'));
    for (const d of DIMENSIONS) expect(Number.isFinite(report.details.indices.expected[d])).toBe(true);
    expect(report.scores).toEqual(report.details.indices.expected);
    expect(report.conditioning).toEqual({ persona: 'Saudi Arabia' });
    expect(report.instrument).toEqual({ name: 'vsm13', settings: { variants: 2, answer: 'expected', constants: { kind: 'zero', values: { PDI: 0, IDV: 0, MAS: 0, UAI: 0, LTO: 0, IVR: 0 } }, metric: 'l1' }, format: { name: 'classify' } });
    expect(report.loss.missing).toEqual([]);
    const mean = DIMENSIONS.reduce((s, d) => s + Math.abs(report.scores[d] - report.target.values[d].value), 0) / 6;
    expect(report.loss.value).toBeCloseTo(mean, 9);
    const table = await run(...common, '--constants', 'zero');
    expect(table).toMatch(/^PDI\s+-?\d+\.\d\s+80\.0\s+\d+\.\d\s+region fallback: Hofstede 6-D table, row ARA \(Arab countries\)$/m);
    expect(table).toMatch(/^VSM 2013 loss \(l1\): \d+\.\d{3}$/m);
    const argmax = JSON.parse(await run(...common, '--answer', 'argmax', '--metric', 'l2', '--constants', 'PDI=10', '--json'));
    expect(argmax.scores.PDI).toBeCloseTo(argmax.details.rawIndices.argmax.PDI + 10, 9);
    const squared = DIMENSIONS.reduce((s, d) => s + (argmax.scores[d] - argmax.target.values[d].value) ** 2, 0) / 6;
    expect(argmax.loss.value).toBeCloseTo(squared, 9);
  });

  it('puts the indices on the published scale by default: anchored constants, fitted on the model', async () => {
    const common = ['--model', tinyModel, '--device', 'cpu', '--country', 'JP', '--persona', '--variants', '2'];
    const report = JSON.parse(await run(...common, '--json'));
    const { constants } = report.instrument.settings;
    // Japan is in the default panel: left out of the fit.
    expect(constants).toMatchObject({ kind: 'anchored', calibration: { leftOut: 'Japan', condition: 'persona' } });
    expect(constants.calibration.anchors).toHaveLength(9);
    expect(constants.calibration.anchors).not.toContain('Japan');
    for (const d of DIMENSIONS) expect(report.scores[d]).toBeCloseTo(report.details.rawIndices.expected[d] + constants.values[d], 9);
    const mean = DIMENSIONS.reduce((s, d) => s + Math.abs(report.scores[d] - report.target.values[d].value), 0) / 6;
    expect(report.loss.value).toBeCloseTo(mean, 9);
  });
});
