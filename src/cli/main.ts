import { Command, CommanderError } from 'commander';
import { UserError, describeError } from '../util/errors.ts';
import { setNoticeSink } from '../util/notices.ts';
import { registerCommands } from './commands.ts';
import { VERSION } from '../util/version.ts';
import { readSettings } from '../util/settings.ts';

function createProgram(): Command {
  const program = new Command();
  program
    .name('cultune')
    .description('Align a frozen Llama model to a country with soft prompts tuned by differential evolution')
    .version(VERSION)
    .exitOverride()
    // Flag errors read like every other error: one line, "cultune: " first (a suggestion joins the line).
    .configureOutput({ outputError: (text, write) => write(`cultune: ${text.replace(/^error: /, '').trimEnd().replace(/\n+/g, ' ')}\n`) });
  registerCommands(program);
  return program;
}

/**
 * Runs one command line (argv as process.argv has it) and returns the exit status. A fresh program per
 * call, so a caller (bin/cultune.js, or a test driving many command lines in one process) starts clean.
 */
export async function main(argv: readonly string[]): Promise<number> {
  setNoticeSink((line) => process.stderr.write(`cultune: ${line}\n`));
  try {
    await createProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof UserError) {
      process.stderr.write(`cultune: ${error.message}\n`);
      return error.exitCode;
    }
    // Unexpected failures still get one line; CULTUNE_DEBUG=1 shows the stack for bug reports.
    process.stderr.write(`cultune: internal error: ${describeError(error).split('\n')[0]}\n`);
    if (readSettings().debug) console.error(error);
    return 70;
  }
}
