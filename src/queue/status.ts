import { QueueEvents, type Job, type Queue } from 'bullmq';
import { StoredJobQueue } from './stored-jobs.ts';
import { UserError } from '../util/errors.ts';
import { connectionOptions, type QueueAddress } from './connection.ts';
import type { TrainJobProgress } from './jobs.ts';

export const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'paused'] as const;
export type Counts = Record<(typeof STATES)[number], number>;

export interface JobSummary {
  id: string;
  /** Attempts made so far (a job returned to the queue by a stopping worker does not count one). */
  attempts: number;
  progress?: TrainJobProgress;
  /** The one-line reason of a failed job. */
  error?: string;
}

export interface QueueSnapshot {
  queue: string;
  server: string;
  counts: Counts;
  /** Workers connected to the queue; null where the server refuses CLIENT LIST (some managed services). */
  workers: number | null;
  active: JobSummary[];
  failed: JobSummary[];
}

/** Progress as workers report it; anything else (a job someone else wrote) is ignored. */
export function readProgress(value: unknown): TrainJobProgress | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { generation, evaluations, budget, bestLoss } = value as Record<string, unknown>;
  return [generation, evaluations, budget, bestLoss].every((n) => typeof n === 'number')
    ? { generation, evaluations, budget, bestLoss } as TrainJobProgress
    : undefined;
}

/**
 * Text read from Redis as one printable line: anyone who can write to the queue writes it, and a
 * terminal obeys the escape sequences it may hold.
 */
export function printableLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
}

function summary(job: Job): JobSummary {
  const progress = readProgress(job.progress);
  const error = job.failedReason ? printableLine(job.failedReason) : undefined;
  return { id: printableLine(String(job.id)), attempts: job.attemptsMade, ...(progress ? { progress } : {}), ...(error ? { error } : {}) };
}

/** Opens the queue for the length of `use`. */
export async function withQueue<T>(address: QueueAddress, use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new StoredJobQueue(address.name, { connection: connectionOptions(address) });
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

export async function queueSnapshot(queue: Queue, address: QueueAddress): Promise<QueueSnapshot> {
  const counts = (await queue.getJobCounts(...STATES)) as Counts;
  let workers: number | null;
  try {
    workers = await queue.getWorkersCount();
  } catch {
    workers = null;
  }
  const [active, failed] = await Promise.all([queue.getActive(), queue.getFailed()]);
  return { queue: address.name, server: address.display, counts, workers, active: active.map(summary), failed: failed.map(summary) };
}

/** Jobs still to be done: waiting, prioritized, delayed or active. */
export function pending(counts: Counts): number {
  return counts.waiting + counts.prioritized + counts.delayed + counts.active + counts.paused;
}

/**
 * Puts failed jobs (all, or those named) back in the queue; returns the ids retried. A named job that
 * is not failed (unknown, waiting, completed ...) is one line and nothing is retried.
 */
export async function retryFailed(queue: Queue, ids: readonly string[]): Promise<string[]> {
  const failed = await queue.getFailed();
  const notFailed = ids.filter((id) => !failed.some((job) => job.id === id));
  if (notFailed.length > 0) {
    const states = await Promise.all(notFailed.map(async (id) => `${id} is ${await queue.getJobState(id)}`));
    throw new UserError(`queue ${queue.name}: ${states.join(', ')}; only failed jobs are retried (cultune queue status lists them), so nothing was`);
  }
  const chosen = ids.length === 0 ? failed : failed.filter((job) => ids.includes(job.id as string));
  for (const job of chosen) await job.retry('failed');
  return chosen.map((job) => job.id as string);
}

/**
 * Removes the jobs not yet started (waiting and delayed); running ones finish. With `finished`, the
 * records of completed and failed jobs go too, so the same runs can be queued again.
 */
export async function drainQueue(queue: Queue, finished: boolean): Promise<{ removed: number; finished: number }> {
  const before = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'paused');
  await queue.drain(true);
  let cleaned = 0;
  if (finished) {
    for (const state of ['completed', 'failed'] as const) cleaned += (await queue.clean(0, 0, state)).length;
  }
  return { removed: before.waiting + before.prioritized + before.delayed + before.paused, finished: cleaned };
}

export type QueueEvent =
  | { event: 'active'; job: string }
  | { event: 'progress'; job: string; progress: TrainJobProgress }
  | { event: 'completed'; job: string }
  | { event: 'failed'; job: string; error: string };

/** Job events as they happen (BullMQ's event stream), for a live view. */
export async function followQueue(address: QueueAddress, listener: (event: QueueEvent) => void): Promise<{ close(): Promise<void> }> {
  const events = new QueueEvents(address.name, { connection: connectionOptions(address) });
  events.on('error', () => {});
  events.on('active', ({ jobId }) => listener({ event: 'active', job: printableLine(jobId) }));
  events.on('progress', ({ jobId, data }) => {
    const progress = readProgress(data);
    if (progress) listener({ event: 'progress', job: printableLine(jobId), progress });
  });
  events.on('completed', ({ jobId }) => listener({ event: 'completed', job: printableLine(jobId) }));
  events.on('failed', ({ jobId, failedReason }) => listener({ event: 'failed', job: printableLine(jobId), error: printableLine(String(failedReason)) }));
  await events.waitUntilReady();
  return { close: () => events.close() };
}
