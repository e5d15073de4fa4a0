/**
 * A worker thread holding one model session on its own device, for a DevicePool. onnxruntime-node
 * runs a session synchronously on the thread that calls it, so sessions on several GPUs only work
 * side by side from threads of their own. Jobs run one after another, in the order they arrive.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../util/errors.ts';
import { LlamaModel, type LoadOptions } from './llama-model.ts';
import type { ScoreWorkerJob, ScoreWorkerReply } from './device-pool.ts';

const { dir, options } = workerData as { dir: string; options: LoadOptions };
const port = parentPort!;

function failure(error: unknown): ScoreWorkerReply['error'] {
  return { message: (error as Error).message ?? String(error), user: error instanceof UserError };
}

let queue: Promise<unknown> = Promise.resolve();
try {
  const model = await LlamaModel.load(dir, options);
  port.on('message', (job: ScoreWorkerJob) => {
    queue = queue.then(async () => {
      try {
        const results = await model.scoreCandidates(job.requests, job.softPrompts, { placement: job.placement });
        port.postMessage({ id: job.id, results } satisfies ScoreWorkerReply);
      } catch (error) {
        port.postMessage({ id: job.id, error: failure(error) } satisfies ScoreWorkerReply);
      }
    });
  });
  port.postMessage({ id: 0, provider: model.provider } satisfies ScoreWorkerReply);
} catch (error) {
  port.postMessage({ id: 0, error: failure(error) } satisfies ScoreWorkerReply);
}
