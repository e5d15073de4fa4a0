import path from 'node:path';
import { spawn } from 'node:child_process';
import { REPO } from './paths.ts';

/** Runs `cultune ARGS --json` and kills it with SIGKILL once it has reported `generations` generations. */
export async function killAfterGenerations(args: readonly string[], env: Record<string, string>, generations: number): Promise<void> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/cultune.js'), ...args], { env: { ...process.env, ...env } });
  await new Promise<void>((resolve) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if ((seen.match(/"event":"generation"/g) ?? []).length >= generations) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
}
