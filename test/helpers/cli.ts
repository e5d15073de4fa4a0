import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './paths.ts';

/** Runs the real CLI (bin/cultune.js) in a child process. */
export function runCli(args: string[], options: { input?: string; env?: Record<string, string>; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, [path.join(REPO, 'bin/cultune.js'), ...args], {
    input: options.input,
    encoding: 'utf8',
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
