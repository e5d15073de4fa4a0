import path from 'node:path';
import { Command, type Option } from 'commander';
import { TrainingInterrupted } from '../../train/train.ts';
import { checkSweepModel, planSweep, runSweep, type SweepRun } from '../../train/sweep.ts';
import { UserError } from '../../util/errors.ts';
import { checkWritable } from '../../util/atomic.ts';
import { checkTrainSettings } from '../../train/check-settings.ts';
import { addModelOptions, openModel } from '../model-options.ts';
import { addTargetOptions, type TargetFlags } from './targets.ts';
import { addTrainingOptions, newRunInfo, runFolderName, trainingTarget, trainSettings, trainWithProgress, type TrainingFlags } from './train.ts';

interface SweepFlags extends TrainingFlags, Omit<TargetFlags, 'country' | 'target'> {
  countries: string[];
}

function countryList(value: string): string[] {
  const countries = value.split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (countries.length === 0) throw new UserError('--countries needs at least one country, e.g. SA,US,CN,IN');
  return countries;
}

/** --targets and --fallback exactly as `train` has them; --country and --target name one country, so a sweep has --countries instead. */
function sharedTargetOptions(): Option[] {
  return addTargetOptions(new Command()).options.filter((option) => option.long === '--targets' || option.long === '--fallback');
}

function label(run: SweepRun, index: number, total: number): string {
  return `${run.country} (${run.target.country.name}, ${index + 1}/${total})`;
}

async function sweepFromFlags(flags: SweepFlags): Promise<void> {
  const json = !!flags.json;
  const say = (event: Record<string, unknown>, line: string) => {
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else process.stderr.write(`${line}\n`);
  };
  // Every country and every run folder is checked before the model is loaded.
  const settings = trainSettings(flags);
  checkTrainSettings(settings);
  const plan = planSweep(
    flags.countries.map((country) => {
      const target = trainingTarget({ ...flags, country });
      return { country, target, settings, dir: path.join(flags.out, runFolderName(target, settings.seed)), extendBudget: flags.extendBudget };
    }),
  );
  checkWritable(flags.out, 'folder');
  const model = await openModel(flags, json);
  try {
    checkSweepModel(plan, model.sourceHash);
    const results = await runSweep(plan, {
      onSkip: (run, result) =>
        say(
          { event: 'skipped', country: run.country, run: run.dir, bestLoss: result.best.loss },
          `${run.country}: finished already in ${run.dir} (best VSM13 loss ${result.best.loss.toFixed(3)}); skipped`,
        ),
      train: async (run, index) => {
        const resumed = run.state === 'unfinished';
        say(
          { event: 'country', country: run.country, run: run.dir, resumed },
          `${label(run, index, plan.length)}: ${resumed ? 'resuming' : 'training into'} ${run.dir}`,
        );
        try {
          const info = run.state === 'new' ? newRunInfo(run.country, run.target, flags, model) : run.stored;
          return await trainWithProgress(run.dir, info, model, json, { country: run.country });
        } catch (error) {
          if (error instanceof TrainingInterrupted) throw new UserError(`${error.message} (${run.dir}): run the same sweep again to continue`, 130);
          throw error;
        }
      },
    });
    say(
      { event: 'sweep', runs: plan.map((run, i) => ({ country: run.country, run: run.dir, bestLoss: results[i].best.loss })) },
      `sweep finished: ${plan.map((run, i) => `${run.country} ${results[i].best.loss.toFixed(3)}`).join(', ')} (best VSM13 loss); runs in ${flags.out}`,
    );
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  const command = addModelOptions(program.command('sweep').description('Train several countries one after another, each into its own run folder; a re-run skips finished countries and resumes an unfinished one'))
    .requiredOption('--countries <list>', 'comma-separated countries (names, Hofstede or ISO codes), e.g. SA,US,CN,IN', countryList);
  for (const option of sharedTargetOptions()) command.addOption(option);
  addTrainingOptions(command).action((flags: SweepFlags) => sweepFromFlags(flags));
}
