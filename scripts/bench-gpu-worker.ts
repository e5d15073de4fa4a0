/**
 * One cultune configuration of the GPU benchmark (scripts/bench-gpu.ts), alone in its process: exact
 * fp32 and TF32 are a process-wide switch of the CUDA libraries, and the memory a process holds is
 * its own. Loads the model with the job's device, plan and precision, scores the population once
 * untimed, then `repeats` times timed (the median counts), and writes the log-probs and timings.
 *
 * Usage: node bin/run-ts.js scripts/bench-gpu-worker.ts JOB_JSON (see GpuJob).
 */
import fs from 'node:fs';
import { loadModel, type ScoreRequest, type SoftPrompt } from '../src/model/index.ts';
import type { PlanName } from '../src/model/prepare-graph.ts';
import type { ComputeDtype } from '../src/model/half-precision.ts';
import { gpuProcessBytes } from '../src/model/gpu-memory.ts';
import { writeJsonAtomic } from '../src/util/atomic.ts';

export interface GpuJob {
  modelDir: string;
  device: string;
  plan: PlanName;
  dtype?: ComputeDtype;
  tf32: boolean;
  /** JSON [{ids, options}] and float32 [candidates, k, hidden]. */
  requests: string;
  prompts: string;
  k: number;
  repeats: number;
  /** Bytes for the flat plan's batches (default: the model's own choice). */
  batchMemory?: number;
  cacheDir?: string;
  out: string;
}

export interface GpuResult {
  provider: string;
  plan: PlanName;
  precision: ComputeDtype;
  loadSeconds: number;
  secondsPerCandidate: number;
  /** User + system CPU seconds of this process per candidate over the timed passes (all threads). */
  cpuSecondsPerCandidate: number;
  /** Every timed repeat, seconds for the whole population. */
  seconds: number[];
  /** GPU memory the process held after scoring (the allocator's peak), or the CPU's peak RSS. */
  memoryBytes: number;
  memoryWhat: string;
  batchMemory: number;
  logprobs: number[][][];
}

const job = JSON.parse(process.argv[2]) as GpuJob;
const started = performance.now();
const model = await loadModel(job.modelDir, { device: job.device, plan: job.plan, dtype: job.dtype, tf32: job.tf32, batchMemory: job.batchMemory, cacheDir: job.cacheDir });
const loadSeconds = (performance.now() - started) / 1000;
const requests = JSON.parse(fs.readFileSync(job.requests, 'utf8')) as ScoreRequest[];
const bytes = fs.readFileSync(job.prompts);
const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const size = job.k * model.hidden;
const prompts: SoftPrompt[] = Array.from({ length: data.length / size }, (_, c) => ({ k: job.k, hidden: model.hidden, data: data.slice(c * size, (c + 1) * size) }));

const logprobs = await model.scoreCandidates(requests, prompts);
const seconds: number[] = [];
const cpuBefore = process.cpuUsage();
for (let i = 0; i < job.repeats; i++) {
  const t = performance.now();
  await model.scoreCandidates(requests, prompts);
  seconds.push((performance.now() - t) / 1000);
}
const cpu = process.cpuUsage(cpuBefore);
const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)];
const gpu = model.provider === 'cpu' ? undefined : gpuProcessBytes();
const result: GpuResult = {
  provider: model.provider,
  plan: model.plan,
  precision: model.precision,
  loadSeconds,
  secondsPerCandidate: median / prompts.length,
  cpuSecondsPerCandidate: (cpu.user + cpu.system) / 1e6 / (job.repeats * prompts.length),
  seconds,
  memoryBytes: gpu ?? process.resourceUsage().maxRSS * 1024,
  memoryWhat: gpu !== undefined ? 'GPU memory held' : 'peak RSS',
  batchMemory: model.batchMemory,
  logprobs,
};
await model.dispose();
writeJsonAtomic(job.out, result);
