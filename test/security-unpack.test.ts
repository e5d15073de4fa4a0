import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/paths.ts';

/**
 * unpack.sh prints export lines that the user evals; a folder name in them must stay a name, whatever it
 * holds. Each case unpacks a small bundle of the real layout (parts, SHA256SUMS, unpack.sh) into a DEST
 * named to run a command, evals the output in a fresh shell, and checks that nothing ran and PATH (and
 * LD_LIBRARY_PATH) gained exactly the folder.
 */

let work: string;
let bundle: string;

/** A bundle as `cultune bundle` lays it out, with the CUDA provider when `cuda`, in one part. */
function writeBundle(dir: string, cuda: boolean): void {
  const stage = path.join(work, `stage-${cuda}`);
  const provider = path.join(stage, 'app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64');
  fs.mkdirSync(provider, { recursive: true });
  if (cuda) fs.writeFileSync(path.join(provider, 'libonnxruntime_providers_cuda.so'), '');
  for (const file of ['node', 'cultune', 'BUNDLE.json']) fs.writeFileSync(path.join(stage, file), file);
  fs.mkdirSync(dir);
  const part = 'cultune.tar.gz.part000';
  expect(spawnSync('tar', ['-czf', path.join(dir, part), '-C', stage, 'node', 'cultune', 'app', 'BUNDLE.json']).status).toBe(0);
  const sha = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, part))).digest('hex');
  fs.writeFileSync(path.join(dir, 'SHA256SUMS'), `${sha}  ${part}\n`);
  fs.copyFileSync(path.join(REPO, 'src/bundle/unpack.sh'), path.join(dir, 'unpack.sh'));
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-unpack-'));
  bundle = path.join(work, 'bundle');
  writeBundle(bundle, false);
  writeBundle(path.join(work, 'bundle-cuda'), true);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Folder names that run `touch PWNED` (or break out of quotes) if the export line is not quoted. */
const HOSTILE_NAMES = ['$(touch PWNED)', '`touch PWNED`', "it's", "a'$(touch PWNED)'b", '"; touch PWNED; "', '$HOME and spaces', 'back\\slash', '-dash'];

/** Evals `exports` in a fresh sh started in `cwd` and returns PATH and LD_LIBRARY_PATH as that shell sees them. */
function evalExports(exports: string, cwd: string) {
  const shell = spawnSync('sh', ['-c', 'eval "$1" && printf "%s\\n%s" "$PATH" "${LD_LIBRARY_PATH:-}"', 'sh', exports], {
    cwd,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: work },
  });
  expect(shell.status, shell.stderr).toBe(0);
  const [pathVar, libraryPath] = shell.stdout.split('\n');
  return { pathVar, libraryPath };
}

describe('unpack.sh quotes the folders it prints for eval', () => {
  it.each(HOSTILE_NAMES)('DEST %s', (name) => {
    const cwd = fs.mkdtempSync(path.join(work, 'cwd-'));
    const parent = fs.mkdtempSync(path.join(work, 'dest-'));
    const run = spawnSync('sh', [path.join(bundle, 'unpack.sh'), bundle, name], { cwd: parent, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: work } });
    expect(run.status, run.stderr).toBe(0);
    const dest = path.join(parent, name);
    expect(fs.readFileSync(path.join(dest, 'node'), 'utf8')).toBe('node');
    const { pathVar } = evalExports(run.stdout, cwd);
    expect(pathVar).toBe(`${dest}:/usr/bin:/bin`);
    for (const dir of [cwd, parent, work]) expect(fs.existsSync(path.join(dir, 'PWNED')), dir).toBe(false);
  });

  // The libraries unpack.sh looks for; those the dynamic loader already finds need no export line.
  const CUDA_LIBRARIES = ['libcudart.so.13', 'libcublas.so.13', 'libcublasLt.so.13', 'libcurand.so.10', 'libcudnn.so.9'];
  const loaderKnows = ['ldconfig', '/sbin/ldconfig'].map((command) => spawnSync(command, ['-p'], { encoding: 'utf8' })).find((run) => run.status === 0)?.stdout ?? '';
  const allVisible = CUDA_LIBRARIES.every((lib) => loaderKnows.includes(` ${lib} `));

  it.skipIf(allVisible)('a CUDA library folder found under a hostile name is quoted too', () => {
    const home = path.join(work, '$(touch PWNED)home');
    const lib = path.join(home, '.local', "l'ib");
    fs.mkdirSync(lib, { recursive: true });
    for (const name of CUDA_LIBRARIES) fs.writeFileSync(path.join(lib, name), '');
    const cwd = fs.mkdtempSync(path.join(work, 'cwd-'));
    const cudaBundle = path.join(work, 'bundle-cuda');
    const run = spawnSync('sh', [path.join(cudaBundle, 'unpack.sh'), cudaBundle, path.join(work, 'cuda-dest')], { cwd, encoding: 'utf8', env: { PATH: '/usr/bin:/bin:/sbin', HOME: home } });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^export LD_LIBRARY_PATH=/m);
    const { libraryPath } = evalExports(run.stdout, cwd);
    // Each folder arrives whole: one that a library not known to the loader was found in (under HOME, unless
    // the machine keeps it under /usr/local, /usr/lib or /opt, searched first).
    const folders = libraryPath.split(':');
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) expect(CUDA_LIBRARIES.some((name) => fs.existsSync(path.join(folder, name))), folder).toBe(true);
    for (const dir of [cwd, work, home]) expect(fs.existsSync(path.join(dir, 'PWNED')), dir).toBe(false);
  });

  it('a DEST holding a line break is refused in one line, before anything is made', () => {
    const parent = fs.mkdtempSync(path.join(work, 'dest-'));
    const run = spawnSync('sh', [path.join(bundle, 'unpack.sh'), bundle, 'two\nlines'], { cwd: parent, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('unpack.sh: DEST holds a line break: choose a folder name without one\n');
    expect(run.stdout).toBe('');
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});
