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

function differences(id: string, stored: unknown, asked: TrainJobData): string {
  let queued: TrainJobData;
  try {
    queued = readJobData(id, stored);
  } catch (error) {
    // Data someone else wrote (not JSON, not a job): another run as far as this sweep can tell.
    return describeError(error);
  }
  const a = JSON.stringify({ args: queued.args, model: queued.model, eval: queued.eval });
  const b = JSON.stringify({ args: asked.args, model: asked.model, eval: asked.eval });
  if (a === b) return '';
  const [only, also] = [queued.args.filter((x) => !asked.args.includes(x)), asked.args.filter((x) => !queued.args.includes(x))];
  if (only.length + also.length > 0) return `queued with ${only.join(' ') || '-'}, asked ${also.join(' ') || '-'}`;
  return queued.model !== asked.model ? 'queued for another model' : `queued with eval ${queued.eval.join(',') || '-'}, asked ${asked.eval.join(',') || '-'}`;
}

/**
 * Adds one job per run, with the run folder's name as job id: the same sweep enqueued twice adds nothing
 * the second time. A job already in the queue must carry the same flags; one that completed while its
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
