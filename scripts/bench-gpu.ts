/**
 * GPU scoring benchmark (issue 12): cultune's execution plans and precisions against a Hugging Face
 * transformers peer on the same weights, for one DE population (the 96 VSM 2013 requests, k = 10,
 * population 8 by default) on the 135M and 1B shapes cultune's seeded generator makes. Runs offline:
 * the models are generated here, the peer's weights exported from the ONNX initializers.
 *
 * Every cultune configuration runs in its own process (scripts/bench-gpu-worker.ts); the peer
 * (scripts/peer/hf_transformers_scoring.py) runs fp32 and bf16, right-padded with full logits and
 * left-padded with logits_to_keep=1. Printed per configuration: milliseconds per candidate, the
 * task's FLOP/s against the device's peak, the largest log-prob difference from cultune's exact fp32
 * (the first configuration), memory, and speed against the careful transformers user (bf16, left
 * padding, last position; fp32 where no bf16 ran). `--write` puts the table into BENCHMARKS.md (a section per device kind).
 *
 * On a GPU machine: node bin/run-ts.js scripts/bench-gpu.ts [--python PY] [--write]
 * Dry run on a CPU:  node bin/run-ts.js scripts/bench-gpu.ts --device cpu --shapes tiny --population 2
 * Options: --device cuda|cuda:N|cpu, --shapes a,b, --population P, --k K, --requests N (the first N),
 * --repeats R, --configs plan:dtype[:tf32],..., --peer-modes dtype-padding,..., --no-peer,
 * --python PY, --profile (one extra pass per configuration under onnxruntime's profiler), --batch-rows N, --logits-gib G, --peak-tflops fp32=,tf32=,half=, --write, --resume (reuse the
 * results an interrupted run left in bench-out/gpu: same settings only).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { benchModel } from './bench-scoring.ts';
import { cpuPeak, flopModel, readShape } from './bench-generation.ts';
import { exportHfWeights } from './peer/export-weights.ts';
import { oneTokenOptions } from './peer/one-token-options.ts';
import { DEBIAN_PYTHON } from './debian-python.ts';
import type { GpuJob, GpuResult, OpProfile } from './bench-gpu-worker.ts';
import { HuggingFaceTokenizer } from '../src/model/tokenizer.ts';
import { gpuName } from '../src/model/gpu-memory.ts';
import { gpuIndex } from '../src/model/device.ts';
import type { ComputeDtype } from '../src/model/half-precision.ts';
import type { PlanName } from '../src/model/prepare-graph.ts';
import { NormalSampler } from '../src/util/seeded-random.ts';
import type { SHAPES } from '../src/synthetic/llama-graph.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.ts';

const run = promisify(execFile);
const ROOT = path.resolve(fileURLToPath(import.meta.url), '../..');
const OUT = path.join(ROOT, 'bench-out', 'gpu');
const PEER = path.join(ROOT, 'scripts', 'peer', 'hf_transformers_scoring.py');
const GIB = 2 ** 30;

type Shape = keyof typeof SHAPES;
interface Config {
  plan: PlanName;
  dtype: ComputeDtype;
  tf32: boolean;
}
interface PeerMode {
  name: string;
  dtype: 'float32' | 'bfloat16';
  padding: 'right' | 'left';
}
interface PeerResult {
  implementation: string;
  torch: string;
  device_name: string;
  modes: Record<string, { logprobs: number[][][]; seconds_per_candidate: number; cpu_seconds_per_candidate: number; peak_bytes: number; batches: [number, number][] }>;
}
/** Dense peak TFLOP/s by precision (NVIDIA datasheets, no sparsity). */
interface Peak {
  fp32: number;
  tf32: number;
  half: number;
  source: string;
}

const DTYPE_NAMES: Record<string, ComputeDtype> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' };
const SHORT: Record<ComputeDtype, string> = { float32: 'fp32', float16: 'fp16', bfloat16: 'bf16' };

const GPU_PEAKS: [RegExp, Omit<Peak, 'source'>][] = [
  [/H100.*PCIe/i, { fp32: 51.2, tf32: 378, half: 756 }],
  [/H100|H200/i, { fp32: 66.9, tf32: 494.7, half: 989.4 }],
  [/A100/i, { fp32: 19.5, tf32: 156, half: 312 }],
  [/L40S/i, { fp32: 91.6, tf32: 183, half: 362 }],
];

function parseConfigs(text: string): Config[] {
  return text.split(',').map((spec) => {
    const [plan, dtype, tf32] = spec.split(':');
    if ((plan !== 'tree' && plan !== 'flat') || !DTYPE_NAMES[dtype] || (tf32 !== undefined && tf32 !== 'tf32')) {
      throw new Error(`bad config "${spec}": plan:dtype[:tf32] with plan tree|flat and dtype fp32|fp16|bf16`);
    }
    return { plan, dtype: DTYPE_NAMES[dtype], tf32: tf32 === 'tf32' };
  });
}

function parsePeerModes(text: string): PeerMode[] {
  return text.split(',').map((name) => {
    const [dtype, padding] = name.split('-');
    if (!['fp32', 'bf16'].includes(dtype) || !['right', 'left'].includes(padding)) throw new Error(`bad peer mode "${name}": fp32|bf16-right|left`);
    return { name, dtype: DTYPE_NAMES[dtype] as PeerMode['dtype'], padding: padding as PeerMode['padding'] };
  });
}

function devicePeak(device: string, override: string | undefined): Peak | undefined {
  if (override) {
    const values = Object.fromEntries(override.split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
    return { fp32: values.fp32, tf32: values.tf32 ?? values.fp32, half: values.half, source: `given: ${override} TFLOP/s` };
  }
  if (device === 'cpu') {
    const { flops, description } = cpuPeak();
    return { fp32: flops / 1e12, tf32: flops / 1e12, half: flops / 1e12, source: `${description} (fp32; no faster bf16 path assumed)` };
  }
  const name = gpuName(gpuIndex(device));
  const found = name && GPU_PEAKS.find(([pattern]) => pattern.test(name));
  return found ? { ...found[1], source: `${name}: NVIDIA datasheet dense peaks, fp32 ${found[1].fp32} / TF32 ${found[1].tf32} / bf16 and fp16 ${found[1].half} TFLOP/s` } : undefined;
}

/** Which python runs the peer: one given, else the first of python3 and Debian's that imports torch. */
async function pickPython(given: string | undefined): Promise<string> {
  if (given) return given;
  for (const candidate of ['python3', DEBIAN_PYTHON]) {
    try {
      await run(candidate, ['-c', 'import torch, numpy']);
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error('no python with torch and numpy found: pass --python');
}

/** The population's soft prompts: seeded N(0, 1) vectors, the scale of the seeded models' embedding rows. */
function writeInputs(modelDir: string, dir: string, population: number, k: number, limit: number | undefined) {
  const tokenizer = HuggingFaceTokenizer.fromFolder(modelDir);
  const requests = prepareInstrument(tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined).requests.slice(0, limit).map(oneTokenOptions);
  const hidden = readShape(modelDir).hidden;
  const prompts = new NormalSampler('bench-gpu-population').fill(population * k * hidden, 0, 1);
  writeJsonAtomic(path.join(dir, 'requests.json'), requests);
  writeFileAtomic(path.join(dir, 'prompts.bin'), new Uint8Array(prompts.buffer));
  return { requests, requestsPath: path.join(dir, 'requests.json'), promptsPath: path.join(dir, 'prompts.bin') };
}

function worstDifference(a: number[][][], b: number[][][]): number {
  let worst = 0;
  a.forEach((candidate, c) => candidate.forEach((row, r) => row.forEach((v, o) => (worst = Math.max(worst, Math.abs(v - b[c][r][o]))))));
  return worst;
}

interface Row {
  implementation: string;
  setting: string;
  precision: string;
  secondsPerCandidate: number;
  cpuSecondsPerCandidate: number;
  peakTflops: number | undefined;
  logprobs: number[][][];
  memory: string;
}

function peerRow(peer: PeerResult, mode: PeerMode, peak: Peak | undefined, onCpu: boolean): Row {
  const m = peer.modes[mode.name];
  return {
    implementation: peer.implementation.split(' (')[0],
    setting: mode.padding === 'right' ? 'right padding, full logits' : 'left padding, logits_to_keep=1',
    precision: SHORT[mode.dtype],
    secondsPerCandidate: m.seconds_per_candidate,
    cpuSecondsPerCandidate: m.cpu_seconds_per_candidate,
    peakTflops: peak && (mode.dtype === 'bfloat16' ? peak.half : peak.fp32),
    logprobs: m.logprobs,
    memory: `${(m.peak_bytes / GIB).toFixed(1)} (${onCpu ? 'peak RSS' : 'torch peak allocated'})`,
  };
}

export async function benchGpu(argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string', default: 'cuda' },
      shapes: { type: 'string', default: 'smollm-135m,llama-3.2-1b' },
      population: { type: 'string', default: '8' },
      k: { type: 'string', default: '10' },
      requests: { type: 'string' },
      repeats: { type: 'string', default: '3' },
      configs: { type: 'string' },
      'peer-modes': { type: 'string', default: 'fp32-right,bf16-right,fp32-left,bf16-left' },
      'no-peer': { type: 'boolean', default: false },
      python: { type: 'string' },
      'batch-rows': { type: 'string', default: '512' },
      'logits-gib': { type: 'string', default: '8' },
      'peak-tflops': { type: 'string' },
      profile: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
    },
  });
  const device = values.device!;
  const onCpu = device === 'cpu';
  const configs = parseConfigs(values.configs ?? (onCpu ? 'tree:fp32,flat:fp32' : 'tree:fp32,flat:fp32,flat:fp32:tf32,flat:fp16,flat:bf16'));
  const peerModes = values['no-peer'] ? [] : parsePeerModes(values['peer-modes']!);
  const population = Number(values.population);
  const k = Number(values.k);
  const limit = values.requests === undefined ? undefined : Number(values.requests);
  const peak = devicePeak(device, values['peak-tflops']);
  const python = peerModes.length > 0 ? await pickPython(values.python) : '';
  const lines: string[] = [];
  const profileLines: string[] = [];
  let peerInfo = '';
  let carefulLabel = 'the careful transformers user';
  let deviceName = onCpu ? `${os.cpus().length} threads, ${os.cpus()[0]?.model}` : (gpuName(gpuIndex(device)) ?? device);

  for (const shape of values.shapes!.split(',') as Shape[]) {
    const modelDir = benchModel(shape);
    const dir = path.join(OUT, shape);
    fs.mkdirSync(dir, { recursive: true });
    const { requests, requestsPath, promptsPath } = writeInputs(modelDir, dir, population, k, limit);
    const taskFlops = flopModel(readShape(modelDir)).task(requests.map((r) => r.ids.length + k));
    const rows: Row[] = [];
    for (const config of configs) {
      const tag = `${config.plan}-${SHORT[config.dtype]}${config.tf32 ? '-tf32' : ''}`;
      const job: GpuJob = { modelDir, device, ...config, requests: requestsPath, prompts: promptsPath, k, repeats: Number(values.repeats), profile: values.profile, out: path.join(dir, `cultune-${tag}.json`) };
      process.stderr.write(`bench-gpu: ${shape} cultune ${tag}\n`);
      if (!(values.resume && fs.existsSync(job.out))) {
        const failure = await attempt(() => run(process.execPath, [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'scripts', 'bench-gpu-worker.ts'), JSON.stringify(job)], { cwd: ROOT, maxBuffer: 1 << 24 }));
        if (failure) {
          lines.push(`| ${shape} | cultune (onnxruntime) | ${config.plan} plan | ${tag} | failed: ${failure} | | | | | | |`);
          continue;
        }
      }
      const result = JSON.parse(fs.readFileSync(job.out, 'utf8')) as GpuResult;
      if (result.profile) profileLines.push(describeProfile(`${shape} ${tag}`, result.profile));
      deviceName = onCpu ? deviceName : result.provider === 'cpu' ? `${deviceName} (fell back to the CPU!)` : deviceName;
      rows.push({
        implementation: 'cultune (onnxruntime)',
        setting: `${config.plan} plan${config.plan === 'flat' ? `, ${(result.batchMemory / GIB).toFixed(1)} GiB batches` : ''}`,
        precision: `${SHORT[config.dtype]}${config.dtype === 'float32' && !onCpu ? (config.tf32 ? ' TF32' : ' exact') : ''}`,
        secondsPerCandidate: result.secondsPerCandidate,
        cpuSecondsPerCandidate: result.cpuSecondsPerCandidate,
        peakTflops: peak && (config.dtype !== 'float32' ? peak.half : config.tf32 ? peak.tf32 : peak.fp32),
        logprobs: result.logprobs,
        memory: `${(result.memoryBytes / GIB).toFixed(1)} (${result.memoryWhat})`,
      });
    }
    if (peerModes.length > 0) {
      const weightsDir = exportHfWeights(modelDir, path.join(dir, 'weights'));
      const out = path.join(dir, 'peer.json');
      const job = {
        model_dir: modelDir, weights_dir: weightsDir, requests: requestsPath, prompts: promptsPath, k,
        device: onCpu ? 'cpu' : 'cuda', modes: peerModes, batch_rows: Number(values['batch-rows']),
        logits_bytes: Math.round(Number(values['logits-gib']) * GIB), out,
      };
      process.stderr.write(`bench-gpu: ${shape} peer (${python})\n`);
      const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
      if (!onCpu) env.CUDA_VISIBLE_DEVICES = String(gpuIndex(device));
      const failure = values.resume && fs.existsSync(out) ? undefined : await attempt(() => run(python, [PEER, JSON.stringify(job)], { cwd: ROOT, env, maxBuffer: 1 << 24 }));
      if (failure) lines.push(`| ${shape} | transformers | ${peerModes.map((m) => m.name).join(', ')} | | failed: ${failure} | | | | | | |`);
      else {
        const peer = JSON.parse(fs.readFileSync(out, 'utf8')) as PeerResult;
        peerInfo = `${peer.implementation}, torch ${peer.torch} (${python})`;
        rows.push(...peerModes.map((mode) => peerRow(peer, mode, peak, onCpu)));
      }
    }
    // The careful transformers user: left padding, last position only; in bf16 where that ran.
    const left = rows.filter((r) => r.setting.startsWith('left'));
    const careful = left.find((r) => r.precision === 'bf16') ?? left[0];
    if (careful) carefulLabel = `transformers ${careful.precision} left keep-1`;
    for (const row of rows) {
      const rate = taskFlops / row.secondsPerCandidate / 1e12;
      const ofPeak = row.peakTflops ? `${((100 * rate) / row.peakTflops).toFixed(1)} %` : 'n/a';
      const versus = careful ? `${(careful.secondsPerCandidate / row.secondsPerCandidate).toFixed(2)}x` : 'n/a';
      lines.push(
        `| ${shape} | ${row.implementation} | ${row.setting} | ${row.precision} | ${(1000 * row.secondsPerCandidate).toFixed(1)} | ${(1000 * row.cpuSecondsPerCandidate).toFixed(0)} | ${rate.toFixed(3)} | ${ofPeak} | ${worstDifference(row.logprobs, rows[0].logprobs).toExponential(1)} | ${row.memory} | ${versus} |`,
      );
    }
    lines.push(`|  | (${requests.length} prompts, k = ${k}: ${(taskFlops / 1e12).toFixed(3)} TFLOP per candidate counted) | | | | | | | | | |`);
  }

  const section = [
    `Run on ${new Date().toISOString().slice(0, 10)}: ${deviceName}; Node ${process.version}${peerInfo ? `; peer: ${peerInfo}` : ''}.`,
    `Command: \`node bin/run-ts.js scripts/bench-gpu.ts ${process.argv.slice(2).join(' ')}\`.`,
    `Workload: one DE population of ${population} candidates (seeded soft prompts, k = ${k}, placement start) x the VSM 2013 requests (the answers' shared first token moved into the prompt, as the peer scores one-token options), scored in one call;`,
    'ms per candidate is the median of the timed passes divided by the population, after one untimed pass; host CPU ms: user + system',
    'time of the process (all threads) over the timed passes, per candidate (on a shared machine steadier than wall time).',
    '',
    `| model | implementation | plan / mode | precision | ms / candidate | host CPU ms / candidate | task TFLOP/s | of peak | max abs Δ log-prob vs first row | memory GiB | speed vs ${carefulLabel} |`,
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...lines,
    '',
    `Peak: ${peak?.source ?? 'unknown for this device (pass --peak-tflops fp32=,tf32=,half=)'}. FLOPs counted as in "One DE generation vs PyTorch":`,
    'the task only (every real token once, causal attention, the head at the scored position), whatever a plan computes.',
    ...(profileLines.length > 0 ? ['', 'Where the time goes (one extra pass under onnxruntime\'s profiler, kernel time by operator type):', '', ...profileLines] : []),
  ].join('\n');
  if (values.write) writeBenchmarksSection(onCpu ? 'cpu' : 'gpu', section);
  return section;
}

function describeProfile(what: string, profile: OpProfile): string {
  const top = profile.byOp.slice(0, 8).map((o) => `${o.op} ${((100 * o.micros) / profile.kernelMicros).toFixed(0)} % (${o.count})`);
  return `- ${what}: kernels ${(profile.kernelMicros / 1000).toFixed(1)} ms of ${(profile.runMicros / 1000).toFixed(1)} ms in runs; ${top.join(', ')}`;
}

/**
 * Runs one measured process; on a machine met for the first time one configuration failing (a
 * missing kernel, memory) must not cost the others' numbers, so its failure becomes its table row.
 */
async function attempt(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    const { stderr, message, code, signal } = error as { stderr?: string; message: string; code?: number | string; signal?: string };
    // A native crash leaves no stderr: then the signal or exit status is all there is to say.
    const how = signal ? `killed by ${signal}` : `exit status ${code}`;
    const last = stderr?.trim().split('\n').filter(Boolean).pop() ?? message.split('\n')[0];
    process.stderr.write(`bench-gpu: failed (${how}): ${stderr?.trim() || message}\n`);
    return `${how}: ${last}`.replaceAll('|', '/').slice(0, 200);
  }
}

/** Replaces (or appends) this device kind's section of BENCHMARKS.md, between its markers. */
function writeBenchmarksSection(kind: 'cpu' | 'gpu', section: string): void {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const [start, end] = [`<!-- bench-gpu:${kind} -->`, `<!-- /bench-gpu:${kind} -->`];
  const text = fs.readFileSync(file, 'utf8');
  const block = `${start}\n${section}\n${end}`;
  const at = text.indexOf(start);
  const next = at >= 0 ? text.slice(0, at) + block + text.slice(text.indexOf(end) + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileAtomic(file, next);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchGpu(process.argv.slice(2)));
}
