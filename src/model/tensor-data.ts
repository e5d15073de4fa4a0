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

function readBytes(tensor: TensorProto, modelDir: string, byteLength: number): Uint8Array {
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
