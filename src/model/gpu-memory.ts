import { execFileSync } from 'node:child_process';

/**
 * GPU memory as the NVIDIA driver reports it. onnxruntime-node tells nothing about device memory,
 * so nvidia-smi (installed with the driver) is asked; without it (no NVIDIA GPU, or another vendor's)
 * every figure is undefined and callers fall back to their defaults.
 */

function nvidiaSmi(args: string[]): string[] | undefined {
  try {
    return execFileSync('nvidia-smi', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 })
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  } catch {
    return undefined;
  }
}

const MIB = 2 ** 20;

/** Free memory of GPU `index` in bytes. */
export function gpuFreeBytes(index: number): number | undefined {
  const line = nvidiaSmi(['--query-gpu=memory.free', '--format=csv,noheader,nounits', `--id=${index}`])?.[0];
  return line && /^\d+$/.test(line) ? Number(line) * MIB : undefined;
}

/**
 * GPU memory held by this process, in bytes. onnxruntime's CUDA arena keeps what it has allocated,
 * so after scoring this is the peak of the batches (plus weights and the CUDA context).
 */
export function gpuProcessBytes(pid = process.pid): number | undefined {
  const lines = nvidiaSmi(['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']);
  if (!lines) return undefined;
  const used = lines.map((line) => line.split(',').map((f) => f.trim())).filter(([p]) => Number(p) === pid);
  return used.length > 0 ? used.reduce((sum, [, mib]) => sum + Number(mib) * MIB, 0) : undefined;
}

/** The GPU's name as the driver reports it (e.g. "NVIDIA H100 80GB HBM3"). */
export function gpuName(index: number): string | undefined {
  return nvidiaSmi(['--query-gpu=name', '--format=csv,noheader', `--id=${index}`])?.[0];
}
