import fs from 'node:fs';
import ort from 'onnxruntime-node';
import { UserError } from '../util/errors.ts';

export type DeviceRequest = 'auto' | 'cpu' | `cuda${'' | `:${number}`}`;

export interface SessionChoice {
  session: ort.InferenceSession;
  /** The execution provider actually used, e.g. "cpu" or "cuda:0". */
  provider: string;
  /** A one-line notice when the request could not be met as asked (auto fell back to CPU). */
  notice?: string;
}

export interface SessionSettings {
  /** Intra-op threads; 0 lets onnxruntime choose (one per physical core). */
  threads?: number;
  /** Let CUDA run fp32 matrix products in TF32 (faster, ~1e-4 off the CPU); default: exact fp32. */
  tf32?: boolean;
}

export function parseDevice(value: string): DeviceRequest {
  if (value === 'auto' || value === 'cpu' || value === 'cuda' || /^cuda:\d+$/.test(value)) return value as DeviceRequest;
  throw new UserError(`unknown device "${value}": use auto, cpu, cuda or cuda:N`);
}

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
  };
}

function open(source: GraphSource, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(fs.readFileSync(source.graphPath), options);
}

async function createCuda(source: GraphSource, deviceId: number, settings: SessionSettings): Promise<ort.InferenceSession> {
  // onnxruntime-node passes the CUDA provider no options but the device (its use_tf32 is out of
  // reach), so exact fp32 uses NVIDIA's process-wide switch, read when the CUDA libraries start:
  // the first CUDA session of a process decides.
  if (!settings.tf32) process.env.NVIDIA_TF32_OVERRIDE = '0';
  return open(source, {
    ...cpuOptions(source, settings),
    executionProviders: [{ name: 'cuda', deviceId } as ort.InferenceSession.ExecutionProviderConfig],
  });
}

/**
 * Creates the inference session on the requested device. onnxruntime throws when the CUDA provider's
 * libraries are absent (there is no silent fallback), so `auto` catches that and falls back to CPU.
 */
export async function createSession(
  source: GraphSource,
  device: DeviceRequest,
  settings: SessionSettings = {},
  /** The graph to open when auto falls back to the CPU, where it differs (another plan's). */
  cpuSource: () => GraphSource = () => source,
): Promise<SessionChoice> {
  if (device === 'cpu') {
    return { session: await open(source, cpuOptions(source, settings)), provider: 'cpu' };
  }
  const deviceId = device.startsWith('cuda:') ? Number(device.slice(5)) : 0;
  try {
    return { session: await createCuda(source, deviceId, settings), provider: `cuda:${deviceId}` };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    if (device !== 'auto') {
      throw new UserError(`cannot use CUDA device ${deviceId}: ${reason} (see "Enabling CUDA" in the README)`);
    }
    const fallback = cpuSource();
    return {
      session: await open(fallback, cpuOptions(fallback, settings)),
      provider: 'cpu',
      notice: 'CUDA is not available (onnxruntime-node CUDA provider not installed or no GPU); using the CPU',
    };
  }
}
