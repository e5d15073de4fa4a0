import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { modelGraphHash, resolveModelSource } from '../../model/index.ts';
import { checkServer, parseQueueAddress } from '../../queue/connection.ts';
import { enqueueRuns } from '../../queue/enqueue.ts';
import { requestRelativeToRuns } from '../../queue/job-request.ts';
import type { TrainJobData } from '../../queue/jobs.ts';
import { evalFileName } from '../../eval/eval-record.ts';
import { readRunJson, RESULT_FILE, type RunResult } from '../../train/run-files.ts';
import { parseEvalConditions, planTrainJob } from '../train-job.ts';
import { trainJobRequest } from '../../app/train-job.ts';
import { JobRejected } from '../../queue/worker.ts';
import { integerAtLeast } from '../parsers.ts';
import { TrainingInterrupted } from '../../train/train.ts';
import { checkSweepModel, lossesOverSeeds, planSweep, runSweep, type SweepRun } from '../../train/sweep.ts';
import { UserError } from '../../util/errors.ts';
import { readSettings, type Settings } from '../../util/settings.ts';
import { checkWritable, makeFolder, removeCreatedFolders } from '../../util/atomic.ts';
import { runDefinition, trainingTarget } from '../../train/new-run.ts';
import { loadInstrumentData, settingFlags } from '../instrument-options.ts';
import { addModelOptions, openModel } from '../model-options.ts';
import { trainWithProgress } from '../training-progress.ts';
import { addTargetOptions, targetRequestFromFlags, type TargetFlags } from './targets.ts';
import { addTrainingOptions, runRequest, type TrainingFlags } from './train.ts';
import { runFolder } from '../../app/train-run.ts';

interface SweepFlags extends TrainingFlags, Omit<TargetFlags, 'country' | 'target'> {
  countries: string[];
  seeds?: number[];
  queue?: string;
  queueName: string;
  eval?: string[];
}

function countryList(value: string): string[] {
  const countries = value.split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (countries.length === 0) throw new UserError('--countries needs at least one country, e.g. SA,US,CN,IN');
  return countries;
}

function seedList(value: string): number[] {
  const parse = integerAtLeast(0);
  return [...new Set(value.split(',').map((seed) => parse(seed.trim())))];
}

/** --targets and --fallback exactly as `train` has them; --country and --target name one country, so a sweep has --countries instead. */
function sharedTargetOptions(): Option[] {
  return addTargetOptions(new Command()).options.filter((option) => option.long === '--targets' || option.long === '--fallback');
}

function label(run: SweepRun, index: number, total: number): string {
  return `${run.country} (${run.definition.country.name}, ${index + 1}/${total})`;
}

type Say = (event: Record<string, unknown>, line: string) => void;

function skipped(run: SweepRun, result: RunResult, say: Say): void {
  say(
    { event: 'skipped', country: run.country, run: run.dir, bestLoss: result.best.loss.value },
    `${run.country}: finished already in ${run.dir} (best ${result.best.instrument} loss ${result.best.loss.value.toFixed(3)}); skipped`,
  );
}

/** `--queue`: one job per run that is not finished (or lacks an asked eval record), for workers to train. */
async function enqueueSweep(plan: readonly SweepRun[], flags: SweepFlags, settings: Settings, data: unknown, say: Say): Promise<void> {
  const address = parseQueueAddress(flags.queue as string, flags.queueName, settings.redisPassword);
  const conditions = parseEvalConditions(flags.eval ?? [], '--eval');
  // A Hub id is downloaded (or found in the cache) here, so that its graph hash names the jobs' model.
  const source = await resolveModelSource(flags, settings);
  const model = modelGraphHash(source.dir, source.graphFile);
  checkSweepModel(plan, model);
  await checkServer(address);
  const jobs: TrainJobData[] = [];
  for (const run of plan) {
    const result = run.state === 'finished' ? readRunJson<RunResult>(run.dir, RESULT_FILE) : undefined;
    if (result && conditions.every((c) => fs.existsSync(path.join(run.dir, evalFileName(c, run.definition.instrument.format))))) skipped(run, result, say);
    else {
      // Files the job names (--targets, a --constants file) go relative to --out: workers read them in their --runs.
      const request = requestRelativeToRuns(
        trainJobRequest(run.country, run.definition, settingFlags(flags, run.definition.instrument.name), { fallback: flags.fallback, targets: flags.targets, allowPartialTarget: flags.allowPartialTarget }),
        flags.out,
      );
      const job = { run: path.basename(run.dir), request, model, eval: conditions };
      // What a worker will check, checked here first (as the JSON it will read): a job that leaves this process is one a worker takes.
      // (The instrument's dataset, if it has one, was read above.)
      try {
        await planTrainJob(job.run, JSON.parse(JSON.stringify(job)), flags.out, async () => data);
      } catch (error) {
        throw error instanceof JobRejected ? new UserError(error.message) : error;
      }
      jobs.push(job);
    }
  }
  // Workers refuse a --runs that does not exist: the folder the message below names them is made here.
  const created = makeFolder(flags.out);
  let outcomes: Awaited<ReturnType<typeof enqueueRuns>>;
  try {
    outcomes = await enqueueRuns(address, jobs);
  } catch (error) {
    removeCreatedFolders(flags.out, created);
    throw error;
  }
  for (const { run, state } of outcomes) {
    const what = state === 'added' ? 'queued' : state === 'requeued' ? 'queued again (its job had completed, its run folder is not finished)' : `in the queue already (${state})`;
    say({ event: 'queued', run, job: run, state }, `${run}: ${what}`);
  }
  const added = outcomes.filter((o) => o.state === 'added' || o.state === 'requeued').length;
  say(
    { event: 'enqueued', queue: address.name, server: address.display, added, jobs: outcomes.length, skipped: plan.length - jobs.length },
    `${added} of ${plan.length} runs queued on ${address.display} (queue ${address.name}); workers: cultune worker --queue URL --model DIR --runs ${flags.out}`,
  );
}

async function sweepFromFlags(flags: SweepFlags): Promise<void> {
  const json = !!flags.json;
  const say: Say = (event, line) => {
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else process.stderr.write(`${line}\n`);
  };
  // Every country and every run folder is checked before the model is loaded.
  const seeds = flags.seeds ?? [flags.seed];
  const request = runRequest(flags);
  const instrument = request.instrument.instrument;
  const settings = readSettings();
  const data = await loadInstrumentData(instrument, flags, settings, json);
  const plan = planSweep(
    flags.countries.flatMap((country) => {
      const target = trainingTarget({ instrument, data }, targetRequestFromFlags({ ...flags, country }, instrument), !!flags.allowPartialTarget, { commandLine: false });
      return seeds.map((seed) => {
        const seeded = { ...request, search: { ...request.search, seed } };
        return { country, definition: runDefinition(country, target, seeded), dir: runFolder(flags.out, undefined, seeded, target), extendBudget: flags.extendBudget, initTextGiven: flags.initText !== undefined, holdoutGiven: flags.holdout !== undefined };
      });
    }),
  );
  checkWritable(flags.out, 'folder');
  if (flags.queue !== undefined) return enqueueSweep(plan, flags, settings, data, say);
  if (flags.eval !== undefined) throw new UserError('--eval runs in queue workers (with --queue); without a queue, run cultune eval RUN after the sweep');
  const model = await openModel(flags, settings, json, { format: request.instrument.format });
  try {
    checkSweepModel(plan, model.sourceHash);
    const results = await runSweep(plan, {
      onSkip: (run, result) => skipped(run, result, say),
      train: async (run, index) => {
        const resumed = run.state === 'unfinished';
        say(
          { event: 'country', country: run.country, run: run.dir, resumed },
          `${label(run, index, plan.length)}: ${resumed ? 'resuming' : 'training into'} ${run.dir}`,
        );
        try {
          return await trainWithProgress(run, model, settings, json, { country: run.country });
        } catch (error) {
          if (error instanceof TrainingInterrupted) throw new UserError(`${error.message} (${run.dir}): run the same sweep again to continue`, 130);
          throw error;
        }
      },
    });
    // Over several seeds, each country's best loss as mean ± sample sd (docs/statistics.md).
    const overSeeds = seeds.length > 1 ? lossesOverSeeds(plan, results) : [];
    say(
      { event: 'sweep', runs: plan.map((run, i) => ({ country: run.country, run: run.dir, bestLoss: results[i].best.loss.value })), ...(seeds.length > 1 ? { overSeeds } : {}) },
      [
        `sweep finished: ${plan.map((run, i) => `${path.basename(run.dir)} ${results[i].best.loss.value.toFixed(3)}`).join(', ')} (best ${instrument.name} loss); runs in ${flags.out}`,
        ...overSeeds.map((c) => `${c.country}: best ${instrument.name} loss ${c.bestLoss.mean.toFixed(3)} ± ${c.bestLoss.sd?.toFixed(3)} (mean ± sd over seeds ${c.seeds.join(', ')})`),
      ].join('\n'),
    );
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  const command = addModelOptions(program.command('sweep').description('Train several countries one after another, each into its own run folder; a re-run skips finished countries and resumes an unfinished one'))
    .requiredOption('--countries <list>', 'comma-separated countries (names, Hofstede or ISO codes), e.g. SA,US,CN,IN', countryList);
  for (const option of sharedTargetOptions()) command.addOption(option);
  addTrainingOptions(command)
    .addOption(new Option('--seeds <list>', 'comma-separated seeds: one run per country and seed (instead of --seed)').argParser(seedList).conflicts('seed'))
    .addOption(
      new Option('--queue <url>', 'enqueue the runs on Redis (redis://[:password@]host:port/db, rediss:// for TLS) for cultune worker, instead of training here')
        .conflicts(['device', 'threads']),
    )
    .option('--queue-name <name>', 'queue name on the Redis server', 'cultune')
    .addOption(new Option('--eval <conditions>', 'with --queue: after training, workers evaluate these conditions (none,persona,soft)').argParser((v) => v.split(',').map((c) => c.trim())))
    .action((flags: SweepFlags) => sweepFromFlags(flags));
}
