import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register } from '../src/cli/commands/targets.ts';
import { UserError } from '../src/util/errors.ts';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'cultune-targets-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'cultune', 'targets', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('cultune targets', () => {
  it('lists every row with the dimensions it has', async () => {
    const out = await run();
    expect(out).toMatch(/^SAU\s+Saudi Arabia\s+country\s+SA\/SAU\s+ARA\s+-\s+-\s+-\s+-\s+36\s+52$/m);
    expect(out).toMatch(/^-\s+Kuwait\s+country\s+KW\/KWT\s+ARA/m);
    expect(out).toContain("110 rows of Hofstede's 6-D table (2015-08-16), 65 with all six dimensions");
  });

  it('shows one target with its sources and what is missing', async () => {
    const out = await run('--country', 'sa');
    expect(out).toContain('LTO    36  Hofstede 6-D table, row SAU (Saudi Arabia)');
    expect(out).toContain('--fallback region fills PDI, IDV, MAS, UAI');
    const filled = await run('--country', 'Saudi Arabia', '--fallback', 'region', '--target', 'PDI=95');
    expect(filled).toContain('PDI    95  --target');
    expect(filled).toContain('IDV    38  region fallback: Hofstede 6-D table, row ARA (Arab countries)');
  });

  it('prints JSON or writes it atomically to a file', async () => {
    const target = JSON.parse(await run('--country', 'CHN', '--json'));
    expect(target.values.PDI).toEqual({ value: 80, source: { kind: 'country-row', table: 'Hofstede 6-D table', code: 'CHI', name: 'China' } });
    const file = path.join(scratch, 'target.json');
    await run('--country', 'CHN', '--json', file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(target);
  });

  it('refuses --target without --country', async () => {
    await expect(run('--target', 'PDI=3')).rejects.toThrow(UserError);
  });
});
