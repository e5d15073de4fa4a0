import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkWritable } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';

/**
 * An offline bundle: everything cultune needs on a Linux x86-64 machine without internet (this
 * node binary, the project's sources and its production node_modules with linux-x64 binaries only,
 * and with `cuda` a matching onnxruntime-node + CUDA provider pair), as one compressed tar split
 * into parts of a size a transfer accepts, a SHA256SUMS list and unpack.sh to reassemble it.
 */

/** The project folder this module belongs to (bin/, src/, package.json). */
export const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The CUDA route that needs no NuGet: onnxruntime-node and the official ORT CUDA 13 provider of the
 * same release, repackaged on npm for Unity (MIT). A provider only loads into the runtime of its
 * exact version, and npm carries no CUDA provider for 1.30: a --cuda bundle pins 1.29.0.
 */
export const CUDA_ROUTE = {
  onnxruntime: '1.29.0',
  providerPackage: 'com.github.asus4.onnxruntime.linux-x64-gpu',
  providerVersion: '0.4.9',
  providerDir: 'package/Plugins/Linux/x64',
  libraries: ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'],
} as const;

/** What of the project runs on the other machine (tests, scripts and fixtures stay behind). */
const PROJECT_ENTRIES = ['bin', 'src', 'data', 'docs', 'package.json', 'tsconfig.json', 'README.md', 'LICENSE'];
const ORT_BINARIES = path.join('node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
const LINUX_X64 = path.join('linux', 'x64');

export interface BundleOptions {
  out: string;
  cuda: boolean;
  /** Largest part, in MB (10^6 bytes). */
  partMb: number;
  /** gzip -1 instead of xz -6: much quicker to make, about a third larger. */
  fast: boolean;
  project?: string;
  say?: (line: string) => void;
}

export interface BundlePart {
  name: string;
  bytes: number;
  sha256: string;
}

export interface BundleResult {
  out: string;
  parts: BundlePart[];
  /** Bytes of the unpacked tree (node binary included). */
  unpackedBytes: number;
}

function run(command: string, args: string[], options: { cwd?: string; what: string }): string {
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.error) throw new UserError(`${options.what}: ${command} is not available (${result.error.message})`);
  if (result.status !== 0) throw new UserError(`${options.what} failed: ${(result.stderr || result.stdout).trim().split('\n').at(-1)}`);
  return result.stdout;
}

/** The installed production packages (npm's own reading of the lock and the tree), outermost first. */
function productionPackages(project: string): string[] {
  const listed = run('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: project, what: 'listing the production dependencies (npm ls)' })
    .split('\n')
    .map((line) => path.relative(project, line.trim()))
    .filter((relative) => relative.startsWith('node_modules'))
    .sort();
  // A package's nested node_modules are copied with it.
  return listed.filter((p, i) => !listed.slice(0, i).some((outer) => p.startsWith(`${outer}${path.sep}`)));
}

/** Leaves out onnxruntime-node's binaries for other platforms (four fifths of its size). */
function linuxX64Only(relative: string): boolean {
  if (!relative.startsWith(`${ORT_BINARIES}${path.sep}`)) return true;
  const platform = relative.slice(ORT_BINARIES.length + 1);
  return LINUX_X64.startsWith(platform) || platform.startsWith(LINUX_X64);
}

function copyProject(project: string, app: string): void {
  for (const entry of PROJECT_ENTRIES) {
    const from = path.join(project, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(app, entry), { recursive: true });
  }
  for (const pkg of productionPackages(project)) {
    fs.cpSync(path.join(project, pkg), path.join(app, pkg), {
      recursive: true,
      filter: (from) => linuxX64Only(path.relative(project, from)),
    });
  }
}

/**
 * Replaces onnxruntime-node by the CUDA route's version and puts the CUDA provider beside its
 * libonnxruntime.so.1, from packages npm fetches now (npm checks their integrity).
 */
function addCudaRoute(app: string, downloads: string, say: (line: string) => void): void {
  const specs = [
    `onnxruntime-node@${CUDA_ROUTE.onnxruntime}`,
    `onnxruntime-common@${CUDA_ROUTE.onnxruntime}`,
    `${CUDA_ROUTE.providerPackage}@${CUDA_ROUTE.providerVersion}`,
  ];
  say(`fetching ${specs.join(', ')} (npm pack; the provider is ~180 MB)`);
  fs.mkdirSync(downloads, { recursive: true });
  run('npm', ['pack', '--silent', '--pack-destination', downloads, ...specs], { what: 'fetching the CUDA route (npm pack)' });
  // npm pack names each file <name>-<version>.tgz.
  const [runtime, common, provider] = specs.map((spec) => path.join(downloads, `${spec.replace('@', '-')}.tgz`));
  const excluded = ['win32', 'darwin', 'linux/arm64'].map((p) => `--exclude=package/bin/napi-v6/${p}`);
  for (const [tgz, name, extra] of [[runtime, 'onnxruntime-node', excluded], [common, 'onnxruntime-common', []]] as const) {
    const dir = path.join(app, 'node_modules', name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    run('tar', ['-xzf', tgz, '-C', dir, '--no-same-owner', '--strip-components=1', ...extra], { what: `unpacking ${name}` });
  }
  const binaries = path.join(app, ORT_BINARIES, LINUX_X64);
  const libraries = CUDA_ROUTE.libraries.map((lib) => `${CUDA_ROUTE.providerDir}/${lib}`);
  run('tar', ['-xzf', provider, '-C', binaries, '--no-same-owner', '--strip-components=4', ...libraries], { what: 'unpacking the CUDA provider' });
  const licence = run('tar', ['-xzf', provider, '-O', 'package/LICENSE'], { what: 'reading the provider package licence' });
  fs.writeFileSync(path.join(binaries, 'LICENSE.onnxruntime-unity'), licence);
  // package.json says what node_modules now holds.
  const manifest = path.join(app, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  pkg.dependencies['onnxruntime-node'] = CUDA_ROUTE.onnxruntime;
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** tar | compressor, cut into numbered parts as the bytes come, each hashed on the way. */
async function writeParts(stage: string, entries: string[], dir: string, base: string, partBytes: number, fast: boolean): Promise<BundlePart[]> {
  const tar = spawn('tar', ['-C', stage, '-cf', '-', ...entries], { stdio: ['ignore', 'pipe', 'pipe'] });
  const compressor = fast ? spawn('gzip', ['-1', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] }) : spawn('xz', ['-T0', '-6', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
  tar.stdout.pipe(compressor.stdin);
  const exited = (child: ChildProcess, name: string) =>
    new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (error) => reject(new UserError(`${name} is not available (${error.message})`)));
      child.on('close', (code) => (code === 0 ? resolve() : reject(new UserError(`${name} failed: ${stderr.trim().split('\n').at(-1) ?? `exit ${code}`}`))));
    });
  const done = Promise.all([exited(tar, 'tar'), exited(compressor, fast ? 'gzip' : 'xz')]);
  done.catch(() => undefined); // awaited below, once the output is read; a failure must not go unhandled before then
  const parts: BundlePart[] = [];
  let part: { name: string; fd: number; hash: crypto.Hash; bytes: number } | undefined;
  const close = () => {
    if (!part) return;
    fs.closeSync(part.fd);
    parts.push({ name: part.name, bytes: part.bytes, sha256: part.hash.digest('hex') });
  };
  for await (const chunk of compressor.stdout as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < chunk.length; ) {
      if (!part || part.bytes === partBytes) {
        close();
        const name = `${base}.part${String(parts.length).padStart(3, '0')}`;
        part = { name, fd: fs.openSync(path.join(dir, name), 'w'), hash: crypto.createHash('sha256'), bytes: 0 };
      }
      const piece = chunk.subarray(offset, offset + Math.min(chunk.length - offset, partBytes - part.bytes));
      fs.writeSync(part.fd, piece);
      part.hash.update(piece);
      part.bytes += piece.length;
      offset += piece.length;
    }
  }
  await done;
  close();
  return parts;
}

const LAUNCHER = `#!/bin/sh
# Runs cultune with the node binary unpacked beside this script.
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/node" "$here/app/bin/cultune.js" "$@"
`;

function readme(cuda: boolean): string {
  return `cultune offline bundle (${cuda ? `with the CUDA provider for onnxruntime-node ${CUDA_ROUTE.onnxruntime}` : 'CPU and WebGPU'})

Copy this whole folder (every part, SHA256SUMS, unpack.sh) to the Linux x86-64 machine, then:
  eval "$(sh unpack.sh . ~/cultune)"
  cultune doctor
unpack.sh checks the parts, unpacks node and cultune into ~/cultune, and prints the export lines
(PATH${cuda ? ', and LD_LIBRARY_PATH for the CUDA 13 libraries it finds' : ''}). See ~/cultune/app/docs/gpu-install.md.
`;
}

export async function writeBundle(options: BundleOptions): Promise<BundleResult> {
  const say = options.say ?? (() => {});
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new UserError(`a bundle carries this machine's node binary and native modules: make it on Linux x86-64, not ${process.platform}-${process.arch}`);
  }
  const out = path.resolve(options.out);
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UserError(`${options.out} already exists and is not an empty folder: choose a new --out`);
  }
  // A folder that cannot be written (a read-only file system) is one line now, not an error deep in the build.
  checkWritable(out, 'folder');
  const project = options.project ?? PROJECT_DIR;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // Built beside --out and renamed at the end: an interrupted bundle leaves no folder that looks whole.
  const work = fs.mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}.partial-`));
  const cleanUp = () => fs.rmSync(work, { recursive: true, force: true });
  const onSignal = () => {
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const stage = path.join(work, 'stage');
    const app = path.join(stage, 'app');
    say('copying the sources and the production node_modules (linux-x64 binaries only)');
    copyProject(project, app);
    if (options.cuda) addCudaRoute(app, path.join(work, 'downloads'), say);
    fs.copyFileSync(process.execPath, path.join(stage, 'node'));
    fs.chmodSync(path.join(stage, 'node'), 0o755);
    fs.writeFileSync(path.join(stage, 'cultune'), LAUNCHER, { mode: 0o755 });
    const version = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')).version as string;
    const onnxruntime = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')).version as string;
    const manifest = {
      cultune: version,
      node: process.version,
      onnxruntimeNode: onnxruntime,
      cudaProvider: options.cuda ? `${CUDA_ROUTE.providerPackage}@${CUDA_ROUTE.providerVersion}` : null,
      compression: options.fast ? 'gzip' : 'xz',
    };
    fs.writeFileSync(path.join(stage, 'BUNDLE.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const unpackedBytes = folderBytes(stage);

    const bundle = path.join(work, 'bundle');
    fs.mkdirSync(bundle);
    say(`compressing ${(unpackedBytes / 1e6).toFixed(0)} MB with ${options.fast ? 'gzip -1' : 'xz -6'}`);
    const base = options.fast ? 'cultune.tar.gz' : 'cultune.tar.xz';
    const parts = await writeParts(stage, ['node', 'cultune', 'app', 'BUNDLE.json'], bundle, base, Math.round(options.partMb * 1e6), options.fast);
    fs.writeFileSync(path.join(bundle, 'SHA256SUMS'), parts.map((p) => `${p.sha256}  ${p.name}\n`).join(''));
    fs.copyFileSync(path.join(project, 'src', 'bundle', 'unpack.sh'), path.join(bundle, 'unpack.sh'));
    fs.chmodSync(path.join(bundle, 'unpack.sh'), 0o755);
    fs.writeFileSync(path.join(bundle, 'BUNDLE.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(bundle, 'README.txt'), readme(options.cuda));
    if (fs.existsSync(out)) fs.rmdirSync(out);
    fs.renameSync(bundle, out);
    return { out, parts, unpackedBytes };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanUp();
  }
}
