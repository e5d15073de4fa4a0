import { main } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one cultune command line inside this process through the CLI's own entry (src/cli/main.ts),
 * capturing what it writes to stdout and stderr and the exit status it returns: the same code path as
 * bin/cultune.js without a Node start per case. Environment variables in `env` hold for the call only.
 */
export async function cultune(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const setEnv = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  setEnv(env);
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  try {
    const code = await main(['node', 'cultune', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    setEnv(saved);
  }
}
