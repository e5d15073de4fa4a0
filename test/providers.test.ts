import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cudaProviderFilesProblem, libraryProblem, onnxruntimeBinaryDir } from '../src/model/providers.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES, REPO } from './helpers/paths.ts';

const modelDir = path.join(FIXTURES, 'llama-f32');
const input = JSON.stringify({ id: 1, prompt: 'Hello', options: [' yes', ' no'] });
const cudaProviderInstalled = fs.existsSync(path.join(REPO, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'));

/** Whether the dynamic loader can see a library, read from ldconfig's cache and LD_LIBRARY_PATH (not dlopen). */
function loaderSees(name: string): boolean {
  const ldconfig = ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig'].map((cmd) => spawnSync(cmd, ['-p'], { encoding: 'utf8' })).find((r) => r.status === 0);
  if (ldconfig?.stdout.split('\n').some((line) => line.trim().startsWith(`${name} `))) return true;
  return (process.env.LD_LIBRARY_PATH ?? '').split(':').some((dir) => dir && fs.existsSync(path.join(dir, name)));
}

const hasCompiler = spawnSync('cc', ['--version']).status === 0;

describe('finding what a provider lacks', () => {
  it('opens present libraries and names absent ones', () => {
    expect(libraryProblem('libc.so.6')).toBeUndefined();
    expect(libraryProblem('libcultune-absent.so.3')).toBe('libcultune-absent.so.3 not found');
    expect(libraryProblem(path.join(os.tmpdir(), 'no-such-folder', 'libx.so'))).toBe('libx.so not found');
  });

  it.skipIf(!hasCompiler)("names a library's missing dependency, not the library itself", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-dlopen-'));
    const cc = (args: string[]) => expect(spawnSync('cc', args, { cwd: dir }).status).toBe(0);
    fs.writeFileSync(path.join(dir, 'gone.c'), 'int gone(void) { return 1; }\n');
    fs.writeFileSync(path.join(dir, 'needs.c'), 'int gone(void);\nint needs(void) { return gone(); }\n');
    cc(['-shared', '-fPIC', '-Wl,-soname,libcultune-gone.so.1', '-o', 'libcultune-gone.so', 'gone.c']);
    cc(['-shared', '-fPIC', '-o', 'libneeds.so', 'needs.c', '-L.', '-Wl,--no-as-needed', '-lcultune-gone']);
    fs.rmSync(path.join(dir, 'libcultune-gone.so'));
    expect(libraryProblem(path.join(dir, 'libneeds.so'))).toBe('libcultune-gone.so.1 not found');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('asks for both CUDA provider libraries beside libonnxruntime', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-ort-'));
    expect(cudaProviderFilesProblem(dir)).toMatch(/libonnxruntime_providers_cuda\.so and libonnxruntime_providers_shared\.so missing/);
    fs.writeFileSync(path.join(dir, 'libonnxruntime_providers_cuda.so'), '');
    expect(cudaProviderFilesProblem(dir)).toMatch(/: libonnxruntime_providers_shared\.so missing/);
    fs.writeFileSync(path.join(dir, 'libonnxruntime_providers_shared.so'), '');
    expect(cudaProviderFilesProblem(dir)).toBeUndefined();
    expect(onnxruntimeBinaryDir()).toBe(path.join(REPO, 'node_modules/onnxruntime-node/bin/napi-v6', process.platform, process.arch));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('cultune doctor', () => {
  it('says which providers work here and why the others do not', () => {
    const { code, stdout, stderr } = runCli(['doctor', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const provider = (name: string) => report.providers.find((p: { name: string }) => p.name === name);
    expect(provider('cpu')).toEqual({ name: 'cpu', works: true, detail: 'loads and computes' });
    if (!cudaProviderInstalled) expect(provider('cuda')).toMatchObject({ works: false, detail: expect.stringMatching(/^onnxruntime-node has no CUDA provider/) });
    if (!loaderSees('libvulkan.so.1')) expect(provider('webgpu')).toMatchObject({ works: false, detail: expect.stringMatching(/^libvulkan\.so\.1 not found/) });
    expect(report.onnxruntime.version).toBe(JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version);
    expect(report.cpu.cores).toBe(os.cpus().length);
    const libraries = Object.fromEntries(report.libraries.map((l: { name: string; problem?: string }) => [l.name, l.problem === undefined]));
    for (const name of ['libcuda.so.1', 'libcudart.so.13', 'libvulkan.so.1', 'libcudnn.so.9']) expect(libraries[name], name).toBe(loaderSees(name));

    const text = runCli(['doctor']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}cpu {5}works: loads and computes$/m);
    expect(text.stdout).toMatch(/^ {2}cuda {4}(works|unavailable): /m);
    expect(text.stdout).toMatch(/^ {2}webgpu {2}(works|unavailable): /m);
  });
});

describe('devices on a machine without them', () => {
  it.skipIf(cudaProviderInstalled)('--device auto without a CUDA provider prints one notice, not onnxruntime\'s native error block', () => {
    const { code, stdout, stderr } = runCli(['score', '--model', modelDir, '--input', '-', '--device', 'auto'], { input });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).logprobs).toHaveLength(2);
    expect(stderr).not.toContain('\u001b');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('cultune: using the CPU: no CUDA provider installed (cultune doctor shows what loads here)');
    expect(lines[1]).toMatch(/ on cpu, tree plan \(float32, hidden 64\)$/);
  });

  it('--device cuda and --device webgpu fail in one line when they cannot start', () => {
    for (const device of ['cuda:0', 'webgpu']) {
      const { code, stderr } = runCli(['score', '--model', modelDir, '--input', '-', '--device', device], { input });
      if (code === 0) continue; // this machine has that GPU
      expect(code).toBe(1);
      expect(stderr.trimEnd().split('\n'), device).toHaveLength(1);
      expect(stderr).toMatch(device === 'webgpu' ? /^cultune: cannot use WebGPU: / : /^cultune: cannot use CUDA device 0: /);
    }
  });
});
