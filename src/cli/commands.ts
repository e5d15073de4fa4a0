import type { Command } from 'commander';
import { register as registerScore } from './commands/score.ts';
import { register as registerTargets } from './commands/targets.ts';

/** Each command lives in its own module under src/cli/commands/ and registers itself here. */
export function registerCommands(program: Command): void {
  registerScore(program);
  registerTargets(program);
}
