import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from '../src/cli/commands/vsm13.ts';
import { DIMENSIONS } from '../src/vsm13/index.ts';
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

describe('cultune vsm13', () => {
  it('checks its flags before loading any model', async () => {
    await expect(run('--model', 'no-such-dir', '--persona')).rejects.toThrow(/--persona needs --country/);
    await expect(run('--model', 'no-such-dir', '--country', 'Atlantis')).rejects.toThrow(UserError);
    await expect(run('--model', 'no-such-dir', '--constants', 'PDI=x')).rejects.toThrow(/--constants/);
    await expect(run('--model', 'no-such-dir', '--variants', '0')).rejects.toThrow(/--variants/);
    await expect(run('--model', 'x', '--country', 'SA', '--persona', '--soft-prompt', 'p.npy')).rejects.toThrow(CommanderError);
  });

  it('prints the six scores, the target and the loss on the tiny model', async () => {
    const common = ['--model', tinyModel, '--device', 'cpu', '--country', 'SA', '--fallback', 'region', '--persona', '--variants', '2'];
    const report = JSON.parse(await run(...common, '--json'));
    for (const d of DIMENSIONS) expect(Number.isFinite(report.scores.indices.expected[d])).toBe(true);
    expect(report.conditioning).toEqual({ persona: 'Saudi Arabia' });
    expect(report.loss.usedDimensions).toEqual([...DIMENSIONS]);
    expect(Number.isFinite(report.loss.loss)).toBe(true);
    const table = await run(...common);
    expect(table).toMatch(/^PDI\s+-?\d+\.\d\s+-?\d+\.\d\s+80\.0\s+\d+\.\d\s+region fallback: row ARA \(Arab countries\)$/m);
    expect(table).toMatch(/^VSM13 loss \(L1, expected answers, 6 of 6 dimensions\): \d+\.\d{3}$/m);
  });
});
