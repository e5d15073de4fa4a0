import { Command, CommanderError } from 'commander';
import { UserError, describeError } from '../util/errors.ts';
import { registerCommands } from './commands.ts';
import { VERSION } from './version.ts';

const program = new Command();
program
  .name('cultune')
  .description('Align a frozen Llama model to a country with soft prompts tuned by differential evolution')
  .version(VERSION)
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof UserError) {
    process.stderr.write(`cultune: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    // Unexpected failures still get one line; CULTUNE_DEBUG=1 shows the stack for bug reports.
    process.stderr.write(`cultune: internal error: ${describeError(error)}\n`);
    if (process.env.CULTUNE_DEBUG) console.error(error);
    process.exitCode = 70;
  }
}
