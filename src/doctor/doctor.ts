import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { culturalBenchCacheDir } from '../culturalbench/load.ts';
import {
  CUDA_DRIVER, VULKAN_LOADER, cudaProblem, cudaProviderFilesProblem, libraryProblem, onnxruntimeBinaryDir, onnxruntimeVersion, probeGraph,
  providerFailure, webGpuProblem,
} from '../model/providers.ts';
import { preparedCacheDir, REPORTED_ENVIRONMENT, type Settings } from '../util/settings.ts';

/**
 * What `cultune doctor` reports: whether each execution provider really loads and computes here
 * (a one-node graph is run on it), and if not, the missing piece; the GPUs and libraries the
 * providers look for; versions and cache folders. Everything a GPU bug report needs, gathered
 * without a model.
 */
export interface Diagnosis {
  cultune: string;
  node: string;
  platform: string;
  cpu: { cores: number; model: string };
  memoryGiB: number;
  onnxruntime: { version: string; binaryDir: string; backends: string[] };
  providers: ProviderReport[];
  gpus: string[];
  libraries: { name: string; role: string; problem?: string }[];
  environment: Record<string, string>;
  caches: { name: string; dir: string; present: boolean }[];
}

export interface ProviderReport {
  name: 'cpu' | 'cuda' | 'webgpu';
  works: boolean;
  /** Why it does not work (the first missing piece), or what ran when it does. */
  detail: string;
}

/** The CUDA 13 libraries the ORT 1.29/1.30 CUDA provider opens (cuDNN at session creation). */
const CUDA_LIBRARIES = [
  { name: 'libcudart.so.13', role: 'cudart, CUDA 13' },
  { name: 'libcublas.so.13', role: 'cuBLAS, CUDA 13' },
  { name: 'libcublasLt.so.13', role: 'cuBLASLt, CUDA 13' },
  { name: 'libcurand.so.10', role: 'cuRAND, CUDA 13' },
  { name: 'libcudnn.so.9', role: 'cuDNN 9' },
];


async function runsProbe(provider: ort.InferenceSession.ExecutionProviderConfig): Promise<void> {
  const { graph, input, expected } = probeGraph();
  const session = await ort.InferenceSession.create(graph, { executionProviders: [provider], logSeverityLevel: 4 });
  try {
    const output = (await session.run({ x: input })).y.data as Float32Array;
    const wrong = expected.findIndex((value, i) => Math.abs(output[i] - value) > 1e-3);
    if (wrong >= 0) throw new Error(`the probe graph computed ${output[wrong]} where ${expected[wrong]} was expected`);
  } finally {
    await session.release();
  }
}

async function checkProvider(name: ProviderReport['name'], problemBefore: () => string | undefined, problemAfter: () => string | undefined): Promise<ProviderReport> {
  const before = problemBefore();
  if (before) return { name, works: false, detail: before };
  try {
    await runsProbe(name === 'cuda' ? ({ name, deviceId: 0 } as ort.InferenceSession.ExecutionProviderConfig) : name);
    return { name, works: true, detail: 'loads and computes' };
  } catch (error) {
    return { name, works: false, detail: problemAfter() ?? providerFailure(error) };
  }
}

const VENDORS: Record<string, string> = { '0x10de': 'NVIDIA', '0x1002': 'AMD', '0x8086': 'Intel' };

/** GPUs as nvidia-smi names them, else the render nodes other drivers (Vulkan, WebGPU) would use. */
function listGpus(): string[] {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 15_000 });
  if (smi.status === 0 && smi.stdout.trim()) {
    return smi.stdout.trim().split('\n').map((line) => {
      const [index, name, memory, driver] = line.split(',').map((s) => s.trim());
      return `cuda:${index} ${name}, ${memory}, driver ${driver}`;
    });
  }
  const found = smi.error ? ['nvidia-smi not found'] : [`nvidia-smi failed: ${(smi.stderr || smi.stdout).trim().split('\n')[0]}`];
  const dri = '/dev/dri';
  const nodes = fs.existsSync(dri) ? fs.readdirSync(dri).filter((n) => n.startsWith('renderD')) : [];
  for (const node of nodes) {
    let vendor = 'unknown vendor';
    try {
      const id = fs.readFileSync(`/sys/class/drm/${node}/device/vendor`, 'utf8').trim();
      vendor = VENDORS[id] ?? id;
    } catch {
      // Not every render node has a PCI device behind it.
    }
    found.push(`${path.join(dri, node)} (${vendor})`);
  }
  if (nodes.length === 0) found.push('no GPU render node in /dev/dri');
  return found;
}

export async function diagnose(version: string, settings: Settings): Promise<Diagnosis> {
  const binaryDir = onnxruntimeBinaryDir();
  const cpus = os.cpus();
  const backends = ort.listSupportedBackends().map((b) => `${b.name}${b.bundled ? '' : ' (not bundled)'}`);
  const providers = [
    await checkProvider('cpu', () => undefined, () => undefined),
    await checkProvider('cuda', () => cudaProviderFilesProblem(binaryDir), () => cudaProblem(binaryDir)),
    await checkProvider('webgpu', webGpuProblem, () => undefined),
  ];
  return {
    cultune: version,
    node: process.version,
    platform: `${process.platform}-${process.arch}, ${os.release()}`,
    cpu: { cores: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown' },
    memoryGiB: os.totalmem() / 2 ** 30,
    onnxruntime: { version: onnxruntimeVersion(), binaryDir, backends },
    providers,
    gpus: listGpus(),
    libraries: [
      { name: CUDA_DRIVER, role: 'NVIDIA driver' },
      ...CUDA_LIBRARIES,
      { name: VULKAN_LOADER, role: 'Vulkan loader, for WebGPU' },
    ].map((library) => ({ ...library, problem: libraryProblem(library.name) })),
    environment: settings.reported,
    caches: [
      { name: 'cache root', dir: settings.cacheRoot },
      { name: 'prepared graphs', dir: preparedCacheDir(settings) },
      { name: 'CulturalBench', dir: culturalBenchCacheDir(settings) },
    ].map((cache) => ({ ...cache, present: fs.existsSync(cache.dir) })),
  };
}

/** The diagnosis as one screen of text. */
export function diagnosisLines(d: Diagnosis, showPath: (file: string) => string): string[] {
  const column = (label: string, text: string) => `${label.padEnd(12)}${text}`;
  return [
    column('cultune', `${d.cultune} on node ${d.node} (${d.platform})`),
    column('CPU', `${d.cpu.cores} cores, ${d.cpu.model}; ${d.memoryGiB.toFixed(1)} GiB memory`),
    column('onnxruntime', `onnxruntime-node ${d.onnxruntime.version}; backends: ${d.onnxruntime.backends.join(', ')}`),
    column('', `binaries in ${showPath(d.onnxruntime.binaryDir)}`),
    'providers',
    ...d.providers.map((p) => `  ${p.name.padEnd(8)}${p.works ? 'works' : 'unavailable'}: ${p.detail}`),
    'GPUs',
    ...d.gpus.map((gpu) => `  ${gpu}`),
    'libraries',
    ...d.libraries.map((l) => `  ${l.name.padEnd(20)}${l.problem === undefined ? 'found' : l.problem.endsWith('not found') ? 'not found' : l.problem} (${l.role})`),
    'environment',
    ...(Object.keys(d.environment).length ? Object.entries(d.environment).map(([k, v]) => `  ${k}=${v}`) : ['  (none of ' + REPORTED_ENVIRONMENT.join(', ') + ' set)']),
    'caches',
    ...d.caches.map((c) => `  ${c.name.padEnd(16)}${showPath(c.dir)}${c.present ? '' : ' (not created yet)'}`),
  ];
}
