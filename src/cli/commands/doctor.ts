import type { Command } from 'commander';
import { diagnose, diagnosisLines } from '../../doctor/doctor.ts';
import { displayPath } from '../../util/display-path.ts';
import { VERSION } from '../../util/version.ts';
import { readSettings } from '../../util/settings.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('Which execution providers (CPU, CUDA, WebGPU) load here and why not, GPUs, libraries, versions, caches: paste it into a bug report')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { json?: boolean }) => {
      const diagnosis = await diagnose(VERSION, readSettings());
      process.stdout.write(flags.json ? `${JSON.stringify(diagnosis, null, 2)}\n` : `${diagnosisLines(diagnosis, displayPath).join('\n')}\n`);
    });
}
