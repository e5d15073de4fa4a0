import { UserError, describeError } from '../util/errors.ts';
import { connectionOptions, type QueueAddress } from './connection.ts';
import { readJobData, type TrainJobData } from './jobs.ts';
import { StoredJobQueue } from './stored-jobs.ts';

/** What enqueuing did with one run: added, or found it in the queue already (in that state). */
export interface EnqueueOutcome {
  run: string;
  state: 'added' | 'requeued' | string;
}

/**
 * A job that fails for a reason a retry may fix (a worker's GPU error, a lost file lock) is tried this
 * often, each time resuming from the run's checkpoint, 10 s then 20 s apart.
 */
const ATTEMPTS = 3;
const BACKOFF_MS = 10_000;

/** A request's values by field (`search.budget`), as JSON text. */
function fieldValues(request: unknown, prefix = ''): Map<string, string> {
  const values = new Map<string, string>();
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return values.set(prefix, JSON.stringify(request));
  for (const [key, value] of Object.entries(request)) {
    if (value !== undefined) for (const entry of fieldValues(value, `${prefix}${prefix && '.'}${key}`)) values.set(...entry);
  }
  return values;
}

function differences(id: string, stored: unknown, asked: TrainJobData): string {
  let queued: TrainJobData;
  try {
    queued = readJobData(id, stored);
  } catch (error) {
    // Data someone else wrote (not JSON, not a job): another run as far as this sweep can tell.
    return describeError(error);
  }
  const [was, now] = [fieldValues(queued.request), fieldValues(asked.request)];
  const differing = [...new Set([...was.keys(), ...now.keys()])].filter((field) => was.get(field) !== now.get(field));
  if (differing.length > 0) {
    const values = (from: Map<string, string>) => differing.map((field) => `${field} ${from.get(field) ?? '-'}`).join(', ');
    return `queued with ${values(was)}, asked ${values(now)}`;
  }
  if (queued.model === asked.model && JSON.stringify(queued.eval) === JSON.stringify(asked.eval)) return '';
  return queued.model !== asked.model ? 'queued for another model' : `queued with eval ${queued.eval.join(',') || '-'}, asked ${asked.eval.join(',') || '-'}`;
}

/**
 * Adds one job per run, with the run folder's name as job id: the same sweep enqueued twice adds nothing
 * the second time. A job already in the queue must carry the same request; one that completed while its
 * run folder is not finished (the folder was removed) runs again.
 */
export async function enqueueRuns(address: QueueAddress, jobs: readonly TrainJobData[]): Promise<EnqueueOutcome[]> {
  const queue = new StoredJobQueue(address.name, { connection: connectionOptions(address) });
  try {
    const outcomes: EnqueueOutcome[] = [];
    for (const data of jobs) {
      const existing = await queue.getJob(data.run);
      if (existing) {
        const found = differences(data.run, existing.data, data);
        if (found !== '') {
          throw new UserError(`job ${data.run} in queue ${address.name} holds another run (${found}); use another --queue-name, or remove it with cultune queue drain --finished`);
        }
        const state = await existing.getState();
        if (state === 'completed') {
          await existing.retry('completed');
          outcomes.push({ run: data.run, state: 'requeued' });
        } else outcomes.push({ run: data.run, state });
        continue;
      }
      await queue.add('train', data, { jobId: data.run, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS } });
      outcomes.push({ run: data.run, state: 'added' });
    }
    return outcomes;
  } finally {
    await queue.close();
  }
}
