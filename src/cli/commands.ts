import type { Command } from 'commander';
import { register as registerCulturalBench } from './commands/culturalbench.ts';
import { register as registerEval } from './commands/eval.ts';
import { register as registerReport } from './commands/report.ts';
import { register as registerScore } from './commands/score.ts';
import { register as registerTargets } from './commands/targets.ts';
import { register as registerSurvey } from './commands/survey.ts';
import { register as registerTrain } from './commands/train.ts';
import { register as registerSweep } from './commands/sweep.ts';
import { register as registerExport } from './commands/export.ts';
import { register as registerDemo } from './commands/demo.ts';
import { register as registerWorker } from './commands/worker.ts';
import { register as registerQueue } from './commands/queue.ts';
import { register as registerDoctor } from './commands/doctor.ts';
import { register as registerBundle } from './commands/bundle.ts';
import { register as registerProgram } from './commands/program.ts';

/** Each command lives in its own module under src/cli/commands/ and registers itself here. */
export function registerCommands(program: Command): void {
  registerScore(program);
  registerTargets(program);
  registerSurvey(program);
  registerCulturalBench(program);
  registerTrain(program);
  registerSweep(program);
  registerWorker(program);
  registerQueue(program);
  registerExport(program);
  registerDemo(program);
  registerEval(program);
  registerReport(program);
  registerDoctor(program);
  registerBundle(program);
  registerProgram(program);
}
