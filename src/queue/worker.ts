import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { UserError, describeError } from '../util/errors.ts';
import { connectionOptions, type QueueAddress } from './connection.ts';
import type { TrainJobProgress, TrainJobResult } from './jobs.ts';
import { StoredJobWorker } from './stored-jobs.ts';

/** A job no retry can fix (bad settings, a folder holding another run): it fails once, with this message. */
export class JobRejected extends Error {}

/** A job this worker cannot serve (another model): it goes back to the queue and the worker stops with this message. */
export class JobNotForThisWorker extends UserError {}

/** How a running job hears from the worker, and tells it how far it got. */
export interface JobControl {
  /** Polled between scoring passes: true stops the run at once (its last checkpoint stays). */
  interrupted(): boolean;
  /** After each generation's checkpoint. */
  progress(progress: TrainJobProgress): void;
}

export type RunJob = (job: { id: string; data: unknown }, control: JobControl) => Promise<TrainJobResult>;

export type WorkerEvent =
  | { event: 'job'; job: string; attempt: number }
  | { event: 'progress'; job: string; progress: TrainJobProgress }
  | { event: 'completed'; job: string; result: TrainJobResult }
  | { event: 'failed'; job: string; error: string; retry: boolean }
  | { event: 'returned'; job: string; reason: string }
  | { event: 'lost'; job: string }
  | { event: 'connection'; state: 'lost' | 'restored'; error?: string }
  | { event: 'warning'; message: string };

export interface WorkerTiming {
  /** How long a job's lock lives without renewal: a worker killed with -9 frees its job this long after. */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock expired, and hand them to the queue again. */
  stalledIntervalMs: number;
}

export const DEFAULT_TIMING: WorkerTiming = { lockDurationMs: 30_000, stalledIntervalMs: 30_000 };

/**
 * Training runs are long and resume from their checkpoint, so a job whose worker died is handed on up
 * to this many times before it is failed (a job that kills every worker it meets, say by running out of
 * memory, should not go round for ever).
 */
const MAX_STALLED = 3;

export interface QueueWorker {
  /** Stops taking jobs; running ones stop after their current generation and go back to the queue. */
  stop(): void;
  /** Resolves when the worker has closed; rejects when it stopped because a job was not for it. */
  done: Promise<void>;
}

function oneLine(error: unknown): string {
  return describeError(error).replace(/\s+/g, ' ').trim();
}

function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(code) || /Connection is closed/i.test(describeError(error));
}

/**
 * Serves a queue with BullMQ: takes jobs, runs them with `run`, and reports through `onEvent`. A job
 * that throws JobRejected fails at once (UnrecoverableError); any other error is retried with backoff
 * (the run resumes from its checkpoint). A job whose lock is lost (Redis away longer than the lock
 * lives, so another worker may have it now) is interrupted, so that two workers never train one folder.
 */
export function startWorker(options: {
  address: QueueAddress;
  concurrency: number;
  timing?: WorkerTiming;
  run: RunJob;
  onEvent: (event: WorkerEvent) => void;
}): QueueWorker {
  const { address, onEvent } = options;
  const timing = options.timing ?? DEFAULT_TIMING;
  let stopping = false;
  let refusal: JobNotForThisWorker | undefined;
  let disconnected = false;

  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<TrainJobResult> => {
    const id = job.id as string;
    let stopNow = false;
    signal?.addEventListener('abort', () => (stopNow = true));
    const attempt = job.attemptsMade + 1;
    onEvent({ event: 'job', job: id, attempt });
    try {
      return await options.run(
        { id, data: job.data },
        {
          interrupted: () => stopNow,
          progress: (progress) => {
            // Not awaited: while Redis is away the update waits in the client's queue, training goes on.
            job.updateProgress({ ...progress }).catch(() => {});
            onEvent({ event: 'progress', job: id, progress });
            if (stopping) stopNow = true;
          },
        },
      );
    } catch (error) {
      if (signal?.aborted) {
        onEvent({ event: 'lost', job: id });
        throw error;
      }
      if ((stopping && stopNow) || error instanceof JobNotForThisWorker) {
        if (error instanceof JobNotForThisWorker && !refusal) {
          refusal = error;
          stop();
        }
        await job.moveToWait(token);
        onEvent({ event: 'returned', job: id, reason: error instanceof JobNotForThisWorker ? oneLine(error) : 'the worker is stopping' });
        throw new WaitingError();
      }
      const message = oneLine(error);
      const retry = !(error instanceof JobRejected) && attempt < (job.opts.attempts ?? 1);
      onEvent({ event: 'failed', job: id, error: message, retry });
      throw error instanceof JobRejected ? new UnrecoverableError(message) : new Error(message);
    }
  };

  const worker = new StoredJobWorker(address.name, processor, {
    connection: connectionOptions(address),
    concurrency: options.concurrency,
    lockDuration: timing.lockDurationMs,
    stalledInterval: timing.stalledIntervalMs,
    maxStalledCount: MAX_STALLED,
    autorun: false,
  });
  worker.on('error', (error) => {
    if (!isConnectionError(error)) onEvent({ event: 'warning', message: oneLine(error) });
    else if (!disconnected) {
      disconnected = true;
      onEvent({ event: 'connection', state: 'lost', error: oneLine(error) });
    }
  });
  // Emitted once BullMQ has recorded the job as completed, which a worker that lost the job's lock cannot do.
  worker.on('completed', (job, result: TrainJobResult) => onEvent({ event: 'completed', job: job.id as string, result }));
  worker.on('lockRenewalFailed', (ids: string[]) => ids.forEach((id) => worker.cancelJob(id, 'lock lost')));
  void worker.client.then((client) =>
    client.on('ready', () => {
      if (!disconnected) return;
      disconnected = false;
      onEvent({ event: 'connection', state: 'restored' });
    }),
  );

  function stop(): void {
    stopping = true;
    void worker.close();
  }

  const done = (async () => {
    await worker.run();
    await worker.close();
    if (refusal) throw refusal;
  })();
  return { stop, done };
}
