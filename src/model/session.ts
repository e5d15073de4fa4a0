import fs from 'node:fs';
import ort from 'onnxruntime-node';
import { UserError } from '../util/errors.ts';
import { gpuIndex, type DeviceRequest } from './device.ts';
import { cudaProblem, cudaProviderFilesProblem, providerFailure, webGpuProblem } from './providers.ts';

export interface SessionChoice {
  session: ort.InferenceSession;
  /** The execution provider actually used, e.g. "cpu", "cuda:0" or "webgpu". */
  provider: string;
  /** A one-line notice when the request could not be met as asked (auto fell back to CPU). */
  notice?: string;
}

export interface SessionSettings {
  /** Intra-op threads; 0 lets onnxruntime choose (one per physical core). */
  threads?: number;
  /** Let CUDA run fp32 matrix products in TF32 (faster, ~1e-4 off the CPU); default: exact fp32. */
  tf32?: boolean;
  /** Write onnxruntime's per-node profile (a Chrome trace, PREFIX_<time>.json) when the model is disposed; benchmarks use it. */
  profilePrefix?: string;
}

// onnxruntime's telemetry, on by default on Linux, matches regular expressions against the process's
// command line when its environment is first made; the C++ regex recurses per character, so a command
// line of some 30,000 characters (a long --init-text) overflowed the stack and killed the process
// (SIGSEGV, exit 139). onnxruntime reads the variable when the first session is made, after this runs.
// A write, not a setting: onnxruntime-node offers no call that turns telemetry off, so the process's
// environment is the one channel to the native library (util/settings.ts reads; only these two write).
process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** A prepared graph and the folder its external data paths are relative to. */
export interface GraphSource {
  graphPath: string;
  externalDataDir: string;
}

function cpuOptions(source: GraphSource, settings: SessionSettings): ort.InferenceSession.SessionOptions {
  return {
    // Spinning intra-op threads burn the core another process needs: on a shared 2-core machine they
    // made a scoring pass up to 2.5x slower, and they gained nothing measurable on an idle one.
    extra: { session: { model_external_initializers_file_folder_path: source.externalDataDir, 'intra_op.allow_spinning': '0' } },
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: settings.threads ?? 0,
    logSeverityLevel: 4,
    ...(settings.profilePrefix ? { enableProfiling: true, profileFilePrefix: settings.profilePrefix } : {}),
  };
}

function open(source: GraphSource, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(fs.readFileSync(source.graphPath), options);
}

function withProvider(source: GraphSource, settings: SessionSettings, provider: ort.InferenceSession.ExecutionProviderConfig): ort.InferenceSession.SessionOptions {
  return { ...cpuOptions(source, settings), executionProviders: [provider] };
}

const GPU_HELP = 'GPU setup: docs/gpu-install.md; cultune doctor shows what loads here';

async function createCuda(source: GraphSource, device: DeviceRequest, settings: SessionSettings, cpuSource: () => GraphSource): Promise<SessionChoice> {
  const deviceId = gpuIndex(device);
  // onnxruntime-node passes the CUDA provider no options but the device (its use_tf32 is out of
  // reach), so exact fp32 uses NVIDIA's process-wide switch, read when the CUDA libraries start:
  // the first CUDA session of a process decides.
  if (!settings.tf32) process.env.NVIDIA_TF32_OVERRIDE = '0';
  // Without the provider libraries there is nothing to try (and onnxruntime would only log why).
  const missing = cudaProviderFilesProblem();
  let reason = missing;
  if (!missing) {
    try {
      const provider = { name: 'cuda', deviceId } as ort.InferenceSession.ExecutionProviderConfig;
      return { session: await open(source, withProvider(source, settings, provider)), provider: `cuda:${deviceId}` };
    } catch (error) {
      reason = cudaProblem() ?? providerFailure(error);
    }
  }
  if (device !== 'auto') throw new UserError(`cannot use CUDA device ${deviceId}: ${reason}. ${GPU_HELP}`);
  const fallback = cpuSource();
  return {
    session: await open(fallback, cpuOptions(fallback, settings)),
    provider: 'cpu',
    // No provider installed is the usual CPU machine: one short line. A provider that fails to start says why.
    notice: missing ? 'using the CPU: no CUDA provider installed (cultune doctor shows what loads here)' : `CUDA is not available (${reason}); using the CPU. ${GPU_HELP}`,
  };
}

async function createWebGpu(source: GraphSource, settings: SessionSettings): Promise<SessionChoice> {
  // Checked first: without the loader, Dawn prints its own warnings on stderr before failing.
  const problem = webGpuProblem();
  if (problem) throw new UserError(`cannot use WebGPU: ${problem}. ${GPU_HELP}`);
  try {
    return { session: await open(source, withProvider(source, settings, { name: 'webgpu' })), provider: 'webgpu' };
  } catch (error) {
    throw new UserError(`cannot use WebGPU: ${providerFailure(error)}. ${GPU_HELP}`);
  }
}

/**
 * Creates the inference session on one device. onnxruntime throws when a provider cannot load (there
 * is no silent fallback), so `auto` catches that and falls back to the CPU with a one-line notice;
 * `auto` does not try WebGPU: with cultune's default plan it measured barely ahead of a 16-core CPU
 * (2.6 s vs 3.0 s per candidate on an H100 machine), and a smaller GPU may lose to the CPU: it is asked for by name.
 */
export async function createSession(
  source: GraphSource,
  device: DeviceRequest,
  settings: SessionSettings = {},
  /** The graph to open when auto falls back to the CPU, where it differs (another plan's). */
  cpuSource: () => GraphSource = () => source,
): Promise<SessionChoice> {
  if (device === 'cpu') return { session: await open(source, cpuOptions(source, settings)), provider: 'cpu' };
  if (device === 'webgpu') return createWebGpu(source, settings);
  return createCuda(source, device, settings, cpuSource);
}
