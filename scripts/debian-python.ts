import { execFileSync } from 'node:child_process';

/** Debian's own Python: the benchmarks' peers use its packages (a pyenv python3 may shadow it on PATH). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Installs a Debian package (apt-get, as root) when Debian's Python cannot import the module. */
export function ensurePythonModule(module: string, debianPackage: string): void {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', debianPackage], { stdio: 'ignore' });
  }
}
