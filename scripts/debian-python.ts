import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Debian's own Python: the benchmarks' peers use its packages (a pyenv python3 may shadow it on PATH). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

function aptInstall(debianPackage: string): void {
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', debianPackage], { stdio: 'ignore' });
}

/** Installs a Debian package (apt-get, as root) when Debian's Python cannot import the module. */
export function ensurePythonModule(module: string, debianPackage: string): void {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
  } catch {
    aptInstall(debianPackage);
  }
}

/**
 * Debian's python3-torch calls whatever libblas.so.3 the system provides: with only the reference
 * BLAS installed (the default) its matrix products run at about 1 GFLOP/s, which no fair peer does.
 * OpenBLAS takes over libblas.so.3 once installed.
 */
export function ensureTorchWithOpenBlas(): void {
  ensurePythonModule('torch', 'python3-torch');
  try {
    execFileSync('dpkg', ['-s', 'libopenblas0-pthread'], { stdio: 'ignore' });
  } catch {
    aptInstall('libopenblas0-pthread');
  }
}

/**
 * The environment a fair PyTorch peer runs in. Debian's torch busy-waits its OpenMP and OpenBLAS
 * pools on the same cores (OMP_WAIT_POLICY and OPENBLAS_THREAD_TIMEOUT let idle threads sleep), and
 * Debian's OpenBLAS 0.3.21 does not know recent CPUs: on a Sapphire Rapids Xeon it falls back to its
 * SSE3 ("Prescott") kernels, 7x slower than its AVX-512 ones. OPENBLAS_CORETYPE names the kernels the
 * CPU's flags allow (unless the caller set it).
 */
export function torchPeerEnv(): Record<string, string> {
  const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? []);
  const coreType = flags.has('avx512f') ? 'SkylakeX' : flags.has('avx2') ? 'Haswell' : undefined;
  return {
    OMP_WAIT_POLICY: 'PASSIVE',
    OPENBLAS_THREAD_TIMEOUT: '4',
    ...(coreType && !process.env.OPENBLAS_CORETYPE ? { OPENBLAS_CORETYPE: coreType } : {}),
  };
}
