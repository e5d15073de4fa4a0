import { Command } from 'commander';
import { vi } from 'vitest';

/** Runs one command registered by `register` in this process and returns what it printed on stdout. */
export async function commandOutput(register: (program: Command) => void, args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let printed = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed += String(chunk)), true));
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    write.mockRestore();
  }
  return printed;
}
