import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { node, tensorValueInfo } from './onnx-builder.ts';
import { DataType, onnx } from './onnx-proto.ts';
import { encodeModel } from './prepare-graph.ts';

/**
 * What an execution provider needs on this machine, and why it is missing. onnxruntime-node bundles
 * the CPU and WebGPU providers; the CUDA provider is two extra libraries beside libonnxruntime.so.1
 * (docs/gpu-install.md) that load the CUDA toolkit's libraries and the driver's libcuda.so.1.
 */

// onnxruntime's native logger writes a failed provider load to stderr (a red block naming the
// missing library) before the exception reaches JavaScript; cultune reports the failure itself in
// one line. Read when the first session is created, so it is set as soon as sessions are possible.
ort.env.logLevel = 'fatal';

export const CUDA_PROVIDER_LIBRARY = 'libonnxruntime_providers_cuda.so';
export const SHARED_PROVIDER_LIBRARY = 'libonnxruntime_providers_shared.so';
/** The Vulkan loader Dawn (onnxruntime's WebGPU implementation) opens on Linux. */
export const VULKAN_LOADER = 'libvulkan.so.1';
/** The NVIDIA driver's user-space library, which every CUDA program opens. */
export const CUDA_DRIVER = 'libcuda.so.1';

/** The folder holding onnxruntime-node's native binding and libonnxruntime for this platform. */
export function onnxruntimeBinaryDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return path.resolve(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** The installed onnxruntime-node version (what its binding reports). */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? 'unknown';
}

/**
 * Opens a shared library the way the dynamic loader would for onnxruntime (same search path:
 * LD_LIBRARY_PATH, the ld.so cache, default folders) and returns why it cannot be opened, or
 * undefined when it opens. process.dlopen is Node's dlopen for addons: a plain library opens and is
 * then refused as "did not self-register", which means it and its dependencies were found.
 */
export function libraryProblem(nameOrPath: string): string | undefined {
  try {
    process.dlopen({ exports: {} }, nameOrPath);
    return undefined;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    if (/did not self-register/.test(message)) return undefined;
    const missing = /^([^:]+): cannot open shared object file/.exec(message);
    if (missing) return `${path.basename(missing[1])} not found`;
    // A library found with a dependency missing: "<lib>: <dependency>: cannot open shared object file".
    const dependency = /: ([^:/]+): cannot open shared object file/.exec(message);
    if (dependency) return `${dependency[1]} not found`;
    // Every dependency was found; what failed is binding a symbol, which onnxruntime does with the
    // libraries loaded in its own order.
    if (/undefined symbol/.test(message)) return undefined;
    return message;
  }
}

/** Why onnxruntime-node cannot have the CUDA provider here without trying it: a missing provider library. */
export function cudaProviderFilesProblem(binaryDir = onnxruntimeBinaryDir()): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `cultune's CUDA route is for Linux x86-64, not ${process.platform}-${process.arch}`;
  const missing = [CUDA_PROVIDER_LIBRARY, SHARED_PROVIDER_LIBRARY].filter((name) => !fs.existsSync(path.join(binaryDir, name)));
  if (missing.length === 0) return undefined;
  return `onnxruntime-node has no CUDA provider: ${missing.join(' and ')} missing beside libonnxruntime.so.1`;
}

/**
 * Why the CUDA provider cannot load here, found without onnxruntime: the provider files, then the
 * driver, then the CUDA libraries the provider links (cuBLAS, cudart, cuRAND). cuDNN is opened by the
 * provider later and shows only when a session is created.
 */
export function cudaProblem(binaryDir = onnxruntimeBinaryDir()): string | undefined {
  const files = cudaProviderFilesProblem(binaryDir);
  if (files) return files;
  const driver = libraryProblem(CUDA_DRIVER);
  if (driver) return `${driver}: no NVIDIA driver`;
  const libraries = libraryProblem(path.join(binaryDir, CUDA_PROVIDER_LIBRARY));
  if (libraries) return `${libraries}: the CUDA 13 libraries (cuBLAS, cudart, cuRAND) are not on LD_LIBRARY_PATH`;
  return undefined;
}

/** Why the WebGPU provider cannot start here, found without onnxruntime: Dawn needs the Vulkan loader. */
export function webGpuProblem(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const loader = libraryProblem(VULKAN_LOADER);
  return loader ? `${loader}: install the Vulkan loader (Debian/Ubuntu: libvulkan1) and a GPU driver with Vulkan` : undefined;
}

/** onnxruntime's message when a provider fails, reduced to its one meaningful line. */
export function providerFailure(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  if (/Failed to get a WebGPU adapter/.test(message)) return 'no GPU adapter found (the GPU driver has no Vulkan support, or there is no GPU)';
  const first = message.split('\n')[0];
  // Native messages start with the source location, e.g. "/onnxruntime_src/...cc:136 onnxruntime::...() ".
  return first.replace(/^\/onnxruntime_src\/\S+ \S+ /, '').trim();
}

/**
 * A one-node graph (y = x W, 2x2) that every provider takes: creating a session for it and running it
 * shows whether a provider really loads and computes, without a model folder.
 */
export function probeGraph(): { graph: Uint8Array; input: ort.Tensor; expected: number[] } {
  const weights = [1, 2, 3, 4];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'cultune',
    opsetImport: [{ domain: '', version: 14 }],
    graph: {
      name: 'probe',
      node: [node('MatMul', ['x', 'w'], ['y'])],
      input: [tensorValueInfo('x', DataType.FLOAT, [2, 2])],
      output: [tensorValueInfo('y', DataType.FLOAT, [2, 2])],
      initializer: [{ name: 'w', dataType: DataType.FLOAT, dims: [2, 2], floatData: weights }],
    },
  });
  const x = [1, 0, 0.5, -1];
  const expected = [x[0] * weights[0] + x[1] * weights[2], x[0] * weights[1] + x[1] * weights[3], x[2] * weights[0] + x[3] * weights[2], x[2] * weights[1] + x[3] * weights[3]];
  return { graph: encodeModel(model), input: new ort.Tensor('float32', Float32Array.from(x), [2, 2]), expected };
}
