import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { tryLoadCulturalBench, type Availability } from '../../culturalbench/index.ts';
import { checkServer, parseQueueAddress } from '../../queue/connection.ts';
import { describeProgress } from '../../queue/jobs.ts';
import { DEFAULT_TIMING, startWorker, type WorkerEvent } from '../../queue/worker.ts';
import { UserError } from '../../util/errors.ts';
import { readSettings } from '../../util/settings.ts';
import { checkWritable } from '../../util/atomic.ts';
import { addModelOptions, openModel, type ModelFlags } from '../model-options.ts';
import { integerAtLeast, millisecondsAtLeast } from '../parsers.ts';
import { planTrainJob } from '../train-job.ts';
import { runTrainJob } from '../../app/train-job.ts';
import { loadInstrumentData } from '../instrument-options.ts';
import type { AnyInstrument } from '../../instruments/index.ts';

interface WorkerFlags extends ModelFlags {
  queue: string;
  queueName: string;
  runs: string;
  concurrency: number;
  data?: string;
  culturalbenchData?: string;
  download: boolean;
  lockDuration: number;
  stalledInterval: number;
  json?: boolean;
}

function describe(event: WorkerEvent): string {
  switch (event.event) {
    case 'job':
      return `${event.job}: started (attempt ${event.attempt})`;
    case 'progress':
      return `${event.job}: ${describeProgress(event.progress)}`;
    case 'completed':
      return `${event.job}: ${event.result.skipped ? 'finished already' : `finished (${event.result.stopReason})`}: best loss ${event.result.bestLoss.toFixed(3)}`;
    case 'failed':
      return `${event.job}: failed: ${event.error}${event.retry ? ' (will be retried)' : ''}`;
    case 'returned':
      return `${event.job}: returned to the queue (${event.reason})`;
    case 'lost':
      return `${event.job}: its lock was lost while Redis was away; stopped here, the queue hands it to another worker`;
    case 'connection':
      return event.state === 'lost' ? `connection to Redis lost (${event.error}); reconnecting` : 'connection to Redis restored';
    case 'warning':
      return `warning: ${event.message}`;
  }
}

async function serve(flags: WorkerFlags): Promise<void> {
  const settings = readSettings();
  const address = parseQueueAddress(flags.queue, flags.queueName, settings.redisPassword);
  if (!fs.existsSync(flags.runs) || !fs.statSync(flags.runs).isDirectory()) {
    throw new UserError(`--runs ${flags.runs} is not a folder; it must be the runs folder all workers share (the sweep's --out)`);
  }
  // A runs folder this worker cannot write would fail every job it takes, each retried to no end.
  checkWritable(flags.runs, 'folder');
  const runs = path.resolve(flags.runs);
  await checkServer(address);
  const json = !!flags.json;
  const model = await openModel(flags, settings, json);
  let culturalBench: Promise<Availability> | undefined;
  // An instrument's dataset is read once, from --data or the cache, when its first job comes;
  // a read that failed is tried again by the next job (after `cultune queue retry`, say), not remembered.
  const datasets = new Map<string, Promise<unknown>>();
  const loadData = (instrument: AnyInstrument) => {
    let loading = datasets.get(instrument.name);
    if (!loading) {
      // --data is for the jobs whose instrument has a dataset; the others do not use it.
      loading = loadInstrumentData(instrument, { data: instrument.loadData ? flags.data : undefined, download: flags.download }, settings, json).catch((error: unknown) => {
        datasets.delete(instrument.name);
        throw error;
      });
      datasets.set(instrument.name, loading);
    }
    return loading;
  };
  const say = (event: WorkerEvent | { event: 'serving' | 'stopping'; [key: string]: unknown }, line: string) => {
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else process.stderr.write(`${line}\n`);
  };
  try {
    const worker = startWorker({
      address,
      concurrency: flags.concurrency,
      timing: { lockDurationMs: flags.lockDuration, stalledIntervalMs: flags.stalledInterval },
      run: async (job, control) =>
        runTrainJob(
          await planTrainJob(job.id, job.data, runs, loadData),
          { model, settings, culturalBench: () => (culturalBench ??= tryLoadCulturalBench(settings, { dataDir: flags.culturalbenchData, download: flags.download })) },
          control,
        ),
      onEvent: (event) => say(event, describe(event)),
    });
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(130);
      say({ event: 'stopping' }, 'stopping: running jobs stop after their current generation and go back to the queue (signal again to quit now)');
      worker.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    say(
      { event: 'serving', queue: address.name, server: address.display, runs, concurrency: flags.concurrency, provider: model.provider },
      `worker: serving queue ${address.name} on ${address.display}, runs in ${runs}, ${flags.concurrency} job${flags.concurrency > 1 ? 's' : ''} at a time`,
    );
    try {
      await worker.done;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    await model.dispose();
  }
}

export function register(program: Command): void {
  addModelOptions(program.command('worker').description('Take training jobs from a Redis queue (cultune sweep --queue) and train them into the shared runs folder'))
    .requiredOption('--queue <url>', 'Redis server: redis://[[user]:password@]host[:port][/db], rediss:// for TLS')
    .option('--queue-name <name>', 'queue name on the Redis server', 'cultune')
    .requiredOption('--runs <dir>', "the runs folder all workers share (the sweep's --out)")
    .addOption(new Option('--concurrency <n>', 'jobs trained at once on the one loaded model').default(1).argParser(integerAtLeast(1)))
    .option('--data <path>', "local copy of a dataset instrument's data (GlobalOpinionQA), for its jobs (default: the cache, downloading if needed)")
    .option('--culturalbench-data <dir>', 'local copies of the CulturalBench CSV files, for jobs that ask for eval')
    .option('--no-download', 'use the caches only (CulturalBench, and the datasets of instruments such as GlobalOpinionQA)')
    .addOption(new Option('--lock-duration <ms>', 'a job whose worker died goes to another worker after this long').default(DEFAULT_TIMING.lockDurationMs).argParser(millisecondsAtLeast(100)))
    .addOption(new Option('--stalled-interval <ms>', 'how often this worker looks for jobs whose worker died').default(DEFAULT_TIMING.stalledIntervalMs).argParser(millisecondsAtLeast(100)))
    .option('--json', 'events as JSON lines on stdout')
    .action((flags: WorkerFlags) => serve(flags));
}
