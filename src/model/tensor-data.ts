import fs from 'node:fs';
import path from 'node:path';
import { DataType, toNumber, type TensorProto } from './onnx-proto.ts';
import { float16ArrayToFloat32 } from '../embedding/fp16.ts';
import { UserError } from '../util/errors.ts';
import { parseInteger } from '../util/numbers.ts';

/** Where an initializer's bytes live: inline raw_data, or a span of an external data file (offsets as checkExternalData checks them). */
export function externalDataLocation(tensor: TensorProto): { file: string; offset: number; length: number } | undefined {
  if (!tensor.externalData || tensor.externalData.length === 0) return undefined;
  const entries = new Map(tensor.externalData.map((e) => [e.key ?? '', e.value ?? '']));
  const file = entries.get('location');
  if (!file) return undefined;
  return {
    file,
    offset: parseInteger(entries.get('offset') ?? '0') ?? -1,
    length: entries.has('length') ? (parseInteger(entries.get('length')!) ?? -1) : -1,
  };
}

const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4, [DataType.FLOAT16]: 2, [DataType.BFLOAT16]: 2, [DataType.DOUBLE]: 8, [DataType.INT64]: 8,
  [DataType.INT32]: 4, [DataType.INT8]: 1, [DataType.UINT8]: 1, [DataType.BOOL]: 1,
};

/** The bytes a tensor's elements take, from its dims and data type. */
export function byteLength(tensor: { dims?: unknown[] | null; dataType?: number | null }): number {
  const count = (tensor.dims ?? []).map(toNumber).reduce((a, b) => a * b, 1);
  return count * (ELEMENT_BYTES[tensor.dataType ?? 0] ?? 1);
}

/**
 * Checks every external data reference of a graph before anything reads it or onnxruntime loads it: the
 * graph comes with the model (from the Hub, possibly hostile), so a location must be a relative path
 * that stays inside the graph's folder (never read otherwise), the file must exist, and the span
 * (offset and length, or the tensor's own size) must lie within it. Without this, onnxruntime's raw
 * message (or a read of any file the path names) was the answer. The check is lexical: in the Hub
 * cache the files are links into its blobs/ folder, as they should be.
 */
export function checkExternalData(initializers: readonly TensorProto[], dir: string): void {
  const sizes = new Map<string, number>();
  for (const tensor of initializers) {
    const external = externalDataLocation(tensor);
    if (!external) continue;
    const where = `the graph in ${dir}: tensor ${tensor.name}`;
    const resolved = path.resolve(dir, external.file);
    if (path.isAbsolute(external.file) || external.file.split(/[\\/]/).includes('..') || !resolved.startsWith(path.resolve(dir) + path.sep)) {
      throw new UserError(`${where} names external data "${external.file}" outside its folder; cultune reads external data only beside the graph`);
    }
    if (external.offset < 0 || (tensor.externalData!.some((e) => e.key === 'length') && external.length < 0)) {
      throw new UserError(`${where} has an external data offset or length that is not a whole number of bytes`);
    }
    let size = sizes.get(resolved);
    if (size === undefined) {
      const stat = fs.statSync(resolved, { throwIfNoEntry: false });
      if (!stat?.isFile()) throw new UserError(`${where}: its external data file ${external.file} is missing from ${dir}`);
      size = stat.size;
      sizes.set(resolved, size);
    }
    const length = external.length >= 0 ? external.length : byteLength(tensor);
    if (external.offset + length > size) {
      throw new UserError(`${where}: its external data file ${external.file} is truncated (${size} bytes; the tensor needs bytes ${external.offset} to ${external.offset + length}); download or copy it again`);
    }
  }
}

/** An initializer's stored bytes (inline raw_data or its span of an external data file); `byteLength` where the span gives none. */
export function readBytes(tensor: TensorProto, modelDir: string, byteLength: number): Uint8Array {
  const external = externalDataLocation(tensor);
  if (!external) {
    if (tensor.rawData && tensor.rawData.length > 0) return tensor.rawData;
    throw new UserError(`initializer ${tensor.name} has no raw data; cultune expects weights stored as raw_data`);
  }
  const file = path.join(modelDir, external.file);
  if (!fs.existsSync(file)) {
    throw new UserError(`external data file ${external.file} (for ${tensor.name}) is missing from ${modelDir}`);
  }
  const length = external.length >= 0 ? external.length : byteLength;
  const buffer = Buffer.alloc(length);
  const fd = fs.openSync(file, 'r');
  try {
    const read = fs.readSync(fd, buffer, 0, length, external.offset);
    if (read !== length) {
      throw new UserError(`external data file ${external.file} is truncated (wanted ${length} bytes of ${tensor.name})`);
    }
  } finally {
    fs.closeSync(fd);
  }
  return buffer;
}

/** Reads a floating-point initializer (fp32 or fp16, inline or external) as float32 values. */
export function readFloatInitializer(tensor: TensorProto, modelDir: string): { data: Float32Array; dims: number[] } {
  const dims = (tensor.dims ?? []).map(toNumber);
  const count = dims.reduce((a, b) => a * b, 1);
  if (tensor.dataType === DataType.FLOAT) {
    if (tensor.floatData && tensor.floatData.length === count) return { data: Float32Array.from(tensor.floatData), dims };
    const bytes = readBytes(tensor, modelDir, count * 4);
    return { data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4)), dims };
  }
  if (tensor.dataType === DataType.FLOAT16) {
    const bytes = readBytes(tensor, modelDir, count * 2);
    const bits = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 2));
    return { data: float16ArrayToFloat32(bits), dims };
  }
  throw new UserError(
    `initializer ${tensor.name} has data type ${tensor.dataType}; cultune reads fp32 and fp16 weights only`,
  );
}

/**
 * Lays tensors out in one external data file as onnx's save_model does: each at a 64-byte aligned
 * offset (for memory mapping), the tensor pointing at its span. `chunks` is the file's content.
 */
export class ExternalDataLayout {
  readonly chunks: Uint8Array[] = [];
  private offset = 0;

  constructor(readonly file: string) {}

  place(tensor: TensorProto, bytes: Uint8Array): void {
    const padding = (64 - (this.offset % 64)) % 64;
    if (padding > 0) this.chunks.push(new Uint8Array(padding));
    this.offset += padding;
    this.chunks.push(bytes);
    tensor.rawData = undefined;
    tensor.floatData = [];
    tensor.dataLocation = 1;
    tensor.externalData = [
      { key: 'location', value: this.file },
      { key: 'offset', value: String(this.offset) },
      { key: 'length', value: String(bytes.length) },
    ];
    this.offset += bytes.length;
  }
}
