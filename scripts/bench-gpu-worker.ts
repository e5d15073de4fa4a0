/**
 * One cultune configuration of the GPU benchmark (scripts/bench-gpu.ts), alone in its process: exact
 * fp32 and TF32 are a process-wide switch of the CUDA libraries, and the memory a process holds is
 * its own. Loads the model with the job's device, plan and precision, scores the population once
 * untimed, then `repeats` times timed (the median counts), and writes the log-probs and timings.
 *
 * Usage: node bin/run-ts.js scripts/bench-gpu-worker.ts JOB_JSON (see GpuJob).
 */
import fs from 'node:fs';
import path from 'node:path';
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
  /** After the timed passes, one more pass in a session with onnxruntime's profiler on (it slows the run it profiles). */
  profile?: boolean;
  out: string;
}

/** Kernel time by operator type over one profiled pass, largest first. */
export interface OpProfile {
  /** Microseconds in kernels over the pass, and the pass's wall time. */
  kernelMicros: number;
  runMicros: number;
  byOp: { op: string; micros: number; count: number }[];
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
  profile?: OpProfile;
}

interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Sums a Chrome trace of onnxruntime's profiler by operator type. */
function summariseTrace(file: string): OpProfile {
  const events = JSON.parse(fs.readFileSync(file, 'utf8')) as TraceEvent[];
  const byOp = new Map<string, { micros: number; count: number }>();
  let kernelMicros = 0;
  let runMicros = 0;
  for (const event of events) {
    if (event.cat === 'Session' && event.name === 'model_run') runMicros += event.dur;
    if (event.cat !== 'Node' || !event.name.endsWith('_kernel_time')) continue;
    const op = event.args?.op_name ?? '?';
    const entry = byOp.get(op) ?? { micros: 0, count: 0 };
    entry.micros += event.dur;
    entry.count += 1;
    byOp.set(op, entry);
    kernelMicros += event.dur;
  }
  return { kernelMicros, runMicros, byOp: [...byOp].map(([op, v]) => ({ op, ...v })).sort((a, b) => b.micros - a.micros) };
}

async function profiledPass(job: GpuJob, requests: ScoreRequest[], prompts: SoftPrompt[]): Promise<OpProfile> {
  const prefix = job.out.replace(/\.json$/, '-profile');
  const model = await loadModel(job.modelDir, { device: job.device, plan: job.plan, dtype: job.dtype, tf32: job.tf32, batchMemory: job.batchMemory, cacheDir: job.cacheDir, profilePrefix: prefix });
  await model.scoreCandidates(requests, prompts);
  await model.dispose();
  const dir = path.dirname(prefix);
  const file = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(prefix)) && f.endsWith('.json')).sort().pop();
  if (!file) throw new Error(`onnxruntime wrote no profile beside ${prefix}`);
  const profile = summariseTrace(path.join(dir, file));
  fs.rmSync(path.join(dir, file));
  return profile;
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
if (job.profile) result.profile = await profiledPass(job, requests, prompts);
writeJsonAtomic(job.out, result);
