import { Job, Queue, Worker, type JobJsonRaw, type MinimalQueue } from 'bullmq';

/**
 * A job's stored fields that are not JSON (anyone who can write to Redis can write them). BullMQ would
 * throw while reading the job back, so a worker would never take it (nor fail it) and every listing of
 * its state would crash; such a job is read with this in place of its data, and the worker fails it.
 */
export class UnreadableJobData {
  constructor(readonly fields: readonly string[]) {}

  get problem(): string {
    return `its ${this.fields.join(', ')} in Redis ${this.fields.length > 1 ? 'are' : 'is'} not JSON`;
  }
}

/** The stored fields BullMQ reads with JSON.parse, and what stands for each when it is not JSON. */
const JSON_FIELDS = ['data', 'opts', 'progress', 'parent'] as const;

function isJson(text: string | undefined): boolean {
  if (text === undefined || text === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** BullMQ's job, read back from Redis without throwing on fields that are not JSON (they read as absent). */
class StoredJob<D = unknown, R = unknown, N extends string = string> extends Job<D, R, N> {
  static override fromJSON<T = unknown, R = unknown, N extends string = string>(queue: MinimalQueue, json: JobJsonRaw, jobId?: string): Job<T, R, N> {
    const raw = json as unknown as Record<string, string | undefined>;
    const unreadable = JSON_FIELDS.filter((field) => !isJson(raw[field]));
    if (unreadable.length === 0) return super.fromJSON<T, R, N>(queue, json, jobId);
    const readable = { ...json, ...Object.fromEntries(unreadable.map((field) => [field, undefined])) } as JobJsonRaw;
    const job = super.fromJSON<T, R, N>(queue, readable, jobId);
    (job as Job).data = new UnreadableJobData(unreadable);
    return job;
  }
}

/** A queue whose listings (status, retry, enqueue) read every job, whatever its stored fields hold. */
export class StoredJobQueue extends Queue {
  protected override get Job(): typeof Job {
    return StoredJob;
  }
}

/** A worker that takes every job, whatever its stored fields hold, so that a bad one is failed, not stuck. */
export class StoredJobWorker extends Worker {
  protected override get Job(): typeof Job {
    return StoredJob;
  }
}
