import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './paths.ts';

interface CliOptions {
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
}

const cliArgs = (args: string[]) => [path.join(REPO, 'bin/cultune.js'), ...args];

/** Runs the real CLI (bin/cultune.js) in a child process. */
export function runCli(args: string[], options: CliOptions = {}) {
  const result = spawnSync(process.execPath, cliArgs(args), {
    input: options.input,
    encoding: 'utf8',
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same without blocking this process: for tests whose server (a Hub stand-in) runs in it. */
export function runCliAsync(args: string[], options: Omit<CliOptions, 'input'> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, cliArgs(args), { cwd: options.cwd ?? REPO, env: { ...process.env, ...options.env }, timeout: 300_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
