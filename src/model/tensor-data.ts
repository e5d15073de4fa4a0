import fs from 'node:fs';
import path from 'node:path';
import { DataType, toNumber, type TensorProto } from './onnx-proto.ts';
import { float16ArrayToFloat32 } from '../embedding/fp16.ts';
import { UserError } from '../util/errors.ts';

/** Where an initializer's bytes live: inline raw_data, or a span of an external data file. */
export function externalDataLocation(tensor: TensorProto): { file: string; offset: number; length: number } | undefined {
  if (!tensor.externalData || tensor.externalData.length === 0) return undefined;
  const entries = new Map(tensor.externalData.map((e) => [e.key ?? '', e.value ?? '']));
  const file = entries.get('location');
  if (!file) return undefined;
  return {
    file,
    offset: Number(entries.get('offset') ?? 0),
    length: entries.has('length') ? Number(entries.get('length')) : -1,
  };
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
