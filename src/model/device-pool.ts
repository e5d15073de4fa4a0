import { Worker } from 'node:worker_threads';
import { UserError } from '../util/errors.ts';
import { LlamaModel, type LoadOptions } from './llama-model.ts';
import { parseDevices } from './device.ts';
import type { Placement, ScoreOptions, ScoreRequest, SoftPrompt } from './types.ts';

/**
 * Candidates one session scores in one call: enough to fill the small batches near the prefix
 * tree's roots. Scoring groups them this way on every device count, so the arithmetic a candidate
 * goes through (its batch neighbours included) does not depend on how many devices there are.
 */
export const CANDIDATES_PER_GROUP = 8;

/** What commands and training hold: a model on one device (LlamaModel) or on several (DevicePool). */
export type LoadedModel = Pick<
  LlamaModel,
  'folder' | 'origin' | 'hidden' | 'tokenizer' | 'embeddingTable' | 'config' | 'sourceHash' | 'dtype' | 'precision' | 'plan' | 'provider' | 'notice' | 'checkRequests' | 'score' | 'scoreCandidates' | 'generate' | 'checkGeneration' | 'dispose'
> & {
  /** Sessions that score candidate groups side by side (one per device); absent means one. */
  readonly sessions?: number;
};

export interface ScoreWorkerJob {
  id: number;
  requests: ScoreRequest[];
  softPrompts: (SoftPrompt | undefined)[];
  placement?: Placement;
}

export interface ScoreWorkerReply {
  id: number;
  results?: number[][][];
  /** Sent once the worker's model is loaded (id 0). */
  provider?: string;
  error?: { message: string; user: boolean };
}

function rebuild(error: NonNullable<ScoreWorkerReply['error']>): Error {
  return error.user ? new UserError(error.message) : new Error(error.message);
}

/**
 * A model session in a worker thread (score-worker.ts). The worker runs the TypeScript sources
 * through tsx, as bin/cultune.js does for the main thread; it keeps the process alive only while a
 * job is pending, so a command that ends early is not held open by idle workers.
 */
class SessionWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (results: number[][][]) => void; reject: (error: Error) => void }>();

  private constructor(private readonly worker: Worker, readonly provider: string) {
    worker.on('message', (reply: ScoreWorkerReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.error) waiting.reject(rebuild(reply.error));
      else waiting.resolve(reply.results!);
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`a scoring worker stopped (exit code ${code})`)));
  }

  static start(dir: string, options: LoadOptions): Promise<SessionWorker> {
    // Run from src/ (the CLI), the worker loads the TypeScript through tsx; from the built package (dist/), its JavaScript.
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = JSON.stringify(new URL(fromSource ? './score-worker.ts' : './score-worker.js', import.meta.url).href);
    const code = fromSource ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${entry}); })` : `import(${entry})`;
    const worker = new Worker(code, {
      eval: true,
      workerData: { dir, options },
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`a scoring worker stopped while loading (exit code ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (reply: ScoreWorkerReply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (reply.error) {
          void worker.terminate();
          reject(rebuild(reply.error));
        } else {
          worker.unref();
          resolve(new SessionWorker(worker, reply.provider!));
        }
      });
    });
  }

  scoreCandidates(requests: ScoreRequest[], softPrompts: (SoftPrompt | undefined)[], placement?: Placement): Promise<number[][][]> {
    const id = this.nextId++;
    this.worker.ref();
    // Only each prompt's own values travel: a view into a larger buffer would copy all of it.
    const prompts = softPrompts.map((p) => p && { k: p.k, hidden: p.hidden, data: p.data.slice(0, p.k * p.hidden) });
    this.worker.postMessage({ id, requests, softPrompts: prompts, placement } satisfies ScoreWorkerJob);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  async dispose(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * One model on several devices: the primary session in this thread (it also provides the
 * tokenizer, embedding table and single-prompt scoring), one worker thread per further device. A
 * population is cut into consecutive groups of CANDIDATES_PER_GROUP and group g goes to session
 * g mod N; each group is scored exactly as one device scores it, so the results are bit for bit
 * those of one device of the same kind scoring the groups one after another.
 */
export class DevicePool implements LoadedModel {
  readonly sessions: number;
  readonly provider: string;

  private constructor(private readonly primary: LlamaModel, private readonly workers: SessionWorker[]) {
    this.sessions = 1 + workers.length;
    this.provider = [primary.provider, ...workers.map((w) => w.provider)].join(',');
  }

  /** Loads the model on each device: the primary first (it prepares the graph cache the workers then read). */
  static async load(dir: string, devices: readonly string[], options: LoadOptions): Promise<DevicePool> {
    const primary = await LlamaModel.load(dir, { ...options, device: devices[0] });
    const started = await Promise.allSettled(devices.slice(1).map((device) => SessionWorker.start(dir, { ...options, device })));
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all([primary.dispose(), ...workers.map((w) => w.dispose())]);
      throw failed.reason;
    }
    return new DevicePool(primary, workers);
  }

  get folder(): LlamaModel['folder'] {
    return this.primary.folder;
  }
  get origin(): LlamaModel['origin'] {
    return this.primary.origin;
  }
  get hidden(): number {
    return this.primary.hidden;
  }
  get tokenizer(): LlamaModel['tokenizer'] {
    return this.primary.tokenizer;
  }
  get embeddingTable(): LlamaModel['embeddingTable'] {
    return this.primary.embeddingTable;
  }
  get config(): LlamaModel['config'] {
    return this.primary.config;
  }
  get sourceHash(): string {
    return this.primary.sourceHash;
  }
  get dtype(): LlamaModel['dtype'] {
    return this.primary.dtype;
  }
  get precision(): LlamaModel['precision'] {
    return this.primary.precision;
  }
  get plan(): LlamaModel['plan'] {
    return this.primary.plan;
  }
  get notice(): string | undefined {
    return this.primary.notice;
  }

  /** Generation runs on the primary session: it is sequential per token, and the texts then score across all devices. */
  generate(...args: Parameters<LlamaModel['generate']>): ReturnType<LlamaModel['generate']> {
    return this.primary.generate(...args);
  }

  checkGeneration(): void {
    this.primary.checkGeneration();
  }

  checkRequests(...args: Parameters<LlamaModel['checkRequests']>): void {
    this.primary.checkRequests(...args);
  }

  /** One soft prompt is not split: the primary session scores it. */
  score(requests: ScoreRequest[], options?: ScoreOptions): Promise<number[][]> {
    return this.primary.score(requests, options);
  }

  async scoreCandidates(
    requests: ScoreRequest[],
    softPrompts: readonly (SoftPrompt | undefined)[],
    options: Omit<ScoreOptions, 'softPrompt'> = {},
  ): Promise<number[][][]> {
    const groups: (SoftPrompt | undefined)[][] = [];
    for (let first = 0; first < softPrompts.length; first += CANDIDATES_PER_GROUP) groups.push(softPrompts.slice(first, first + CANDIDATES_PER_GROUP));
    const results: number[][][][] = new Array(groups.length);
    let done = 0;
    const finished = (g: number) => (scored: number[][][]) => {
      results[g] = scored;
      options.onProgress?.(++done * requests.length, groups.length * requests.length);
    };
    // The workers' groups are posted first: they run in their threads while the primary session
    // keeps this one busy with its own groups.
    const elsewhere = groups.flatMap((group, g) =>
      g % this.sessions === 0 ? [] : [this.workers[(g % this.sessions) - 1].scoreCandidates(requests, group, options.placement).then(finished(g))],
    );
    const own = async () => {
      for (let g = 0; g < groups.length; g += this.sessions) finished(g)(await this.primary.scoreCandidates(requests, groups[g], { placement: options.placement }));
    };
    const failed = (await Promise.allSettled([own(), ...elsewhere])).find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return results.flat();
  }

  async dispose(): Promise<void> {
    await Promise.all([this.primary.dispose(), ...this.workers.map((w) => w.dispose())]);
  }
}

/**
 * Loads a model on the devices of a `--device` value: a LlamaModel for one device, a DevicePool for
 * a list (`cuda:0,cuda:1`, or `cuda:0,cuda:0` for two sessions on one GPU).
 */
export async function loadOnDevices(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const devices = parseDevices(options.device ?? 'auto');
  if (devices.length === 1) return LlamaModel.load(dir, { ...options, device: devices[0] });
  return DevicePool.load(dir, devices, options);
}
