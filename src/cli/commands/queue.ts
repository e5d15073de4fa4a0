import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { checkServer, parseQueueAddress, type QueueAddress } from '../../queue/connection.ts';
import { readSettings } from '../../util/settings.ts';
import { describeProgress } from '../../queue/jobs.ts';
import { drainQueue, followQueue, pending, queueSnapshot, retryFailed, STATES, withQueue, type QueueEvent, type QueueSnapshot } from '../../queue/status.ts';

interface QueueFlags {
  queue: string;
  queueName: string;
  json?: boolean;
}

/** Refreshes of the counts while watching: events carry progress, the counts say when all is done. */
const WATCH_REFRESH_MS = 1000;

function addQueueOptions(command: Command): Command {
  return command
    .requiredOption('--queue <url>', 'Redis server: redis://[[user]:password@]host[:port][/db], rediss:// for TLS')
    .option('--queue-name <name>', 'queue name on the Redis server', 'cultune')
    .option('--json', 'print JSON');
}

async function open(flags: QueueFlags): Promise<QueueAddress> {
  const address = parseQueueAddress(flags.queue, flags.queueName, readSettings().redisPassword);
  await checkServer(address);
  return address;
}

function countsLine(snapshot: QueueSnapshot): string {
  return STATES.filter((state) => state !== 'paused' || snapshot.counts.paused > 0).map((state) => `${state} ${snapshot.counts[state]}`).join(', ');
}

function printSnapshot(snapshot: QueueSnapshot): void {
  const workers = snapshot.workers === null ? '' : `, ${snapshot.workers} worker${snapshot.workers === 1 ? '' : 's'} connected`;
  const lines = [`queue ${snapshot.queue} on ${snapshot.server}${workers}`, countsLine(snapshot)];
  for (const job of snapshot.active) lines.push(`  ${job.id}  active  ${job.progress ? describeProgress(job.progress) : 'starting'}${job.attempts > 0 ? ` (attempt ${job.attempts + 1})` : ''}`);
  for (const job of snapshot.failed) lines.push(`  ${job.id}  failed  ${job.error ?? 'no reason given'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Live view: a bar per running job and one for the whole queue on a terminal, event lines otherwise; ends when nothing is left to do. */
async function watch(address: QueueAddress, json: boolean): Promise<void> {
  await withQueue(address, async (queue) => {
    let snapshot = await queueSnapshot(queue, address);
    const total = () => Object.values(snapshot.counts).reduce((a, b) => a + b, 0);
    const done = () => snapshot.counts.completed + snapshot.counts.failed;
    const tty = !json && process.stderr.isTTY;
    const bars = new cliProgress.MultiBar(
      { format: '{name} [{bar}] {value}/{total} {detail}', stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    const overall = tty ? bars.create(total(), done(), { name: 'jobs', detail: countsLine(snapshot) }) : undefined;
    const jobBars = new Map<string, cliProgress.SingleBar>();
    const show = (event: QueueEvent) => {
      if (tty) {
        if (event.event === 'progress') {
          const detail = `best ${event.progress.bestLoss.toFixed(3)}`;
          const bar = jobBars.get(event.job) ?? bars.create(event.progress.budget, 0, { name: event.job, detail });
          jobBars.set(event.job, bar);
          bar.update(event.progress.evaluations, { detail });
        } else if (event.event === 'completed' || event.event === 'failed') {
          const bar = jobBars.get(event.job);
          if (bar) bars.remove(bar);
          jobBars.delete(event.job);
        }
        return;
      }
      const line =
        event.event === 'progress' ? describeProgress(event.progress) : event.event === 'failed' ? `failed: ${event.error}` : event.event;
      process.stdout.write(json ? `${JSON.stringify(event)}\n` : `${event.job}: ${line}\n`);
    };
    const follower = await followQueue(address, show);
    let interrupted = false;
    const onSignal = () => (interrupted = true);
    process.on('SIGINT', onSignal);
    try {
      while (!interrupted) {
        snapshot = await queueSnapshot(queue, address);
        overall?.setTotal(total());
        overall?.update(done(), { detail: countsLine(snapshot) });
        if (pending(snapshot.counts) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, WATCH_REFRESH_MS));
      }
    } finally {
      process.off('SIGINT', onSignal);
      await follower.close();
      bars.stop();
    }
    if (json) process.stdout.write(`${JSON.stringify({ event: 'idle', counts: snapshot.counts })}\n`);
    else process.stdout.write(`queue ${address.name}: ${interrupted ? 'stopped watching' : 'nothing left to do'}: ${countsLine(snapshot)}\n`);
  });
}

export function register(program: Command): void {
  const queue = program.command('queue').description('Look after a Redis queue of training jobs (cultune sweep --queue, cultune worker)');
  addQueueOptions(queue.command('status').description('Jobs by state, running jobs with their progress, failed jobs with their error'))
    .option('--watch', 'follow progress live until no job is waiting or running')
    .action(async (flags: QueueFlags & { watch?: boolean }) => {
      const address = await open(flags);
      if (flags.watch) return watch(address, !!flags.json);
      const snapshot = await withQueue(address, (q) => queueSnapshot(q, address));
      if (flags.json) process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
      else printSnapshot(snapshot);
    });
  addQueueOptions(queue.command('retry').description('Put failed jobs back in the queue (all, or the ones named); each resumes from its checkpoint'))
    .argument('[jobs...]', 'job ids (run folder names); default: every failed job')
    .action(async (jobs: string[], flags: QueueFlags) => {
      const retried = await withQueue(await open(flags), (q) => retryFailed(q, jobs));
      if (flags.json) process.stdout.write(`${JSON.stringify({ retried })}\n`);
      else process.stdout.write(`retried ${retried.length} job${retried.length === 1 ? '' : 's'}${retried.length ? `: ${retried.join(', ')}` : ''}\n`);
    });
  addQueueOptions(queue.command('drain').description('Remove the jobs not started yet (running ones finish); --finished also forgets completed and failed jobs'))
    .option('--finished', 'also remove the records of completed and failed jobs, so the same runs can be queued again')
    .action(async (flags: QueueFlags & { finished?: boolean }) => {
      const result = await withQueue(await open(flags), (q) => drainQueue(q, !!flags.finished));
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`removed ${result.removed} waiting job${result.removed === 1 ? '' : 's'}${flags.finished ? ` and ${result.finished} finished` : ''}\n`);
    });
}
