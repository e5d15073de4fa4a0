import { float16ArrayToFloat32, float32ArrayToFloat16 } from './fp16.ts';
import { UserError } from '../util/errors.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

/** A tensor as cultune holds it: values widened to float32, with the dtype it is (to be) stored in. */
export interface Tensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/**
 * The safetensors layout: an 8-byte little-endian header length N, N bytes of JSON
 * ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}) padded with
 * spaces to a multiple of 8 as the reference implementation does, then the tensors' little-endian
 * bytes, offsets counted from the end of the header. Tensors are laid out by decreasing element
 * size, then name, as the reference writer orders them.
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => BYTES[tensors[b].dtype] - BYTES[tensors[a].dtype] || (a < b ? -1 : 1));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const tensor = tensors[name];
    if (tensor.data.length !== elementCount(tensor.shape)) {
      throw new UserError(`tensor ${name} has ${tensor.data.length} values, shape [${tensor.shape}] needs ${elementCount(tensor.shape)}`);
    }
    const bytes = encodeValues(tensor);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    payloads.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const payload of payloads) {
    out.set(payload, position);
    position += payload.length;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new UserError(`safetensors file is truncated: ${bytes.length} bytes, not even a header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) {
    throw new UserError(`safetensors file is truncated: header of ${headerLength} bytes, file of ${bytes.length}`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new UserError('safetensors header is not valid JSON');
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors: Record<string, Tensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in BYTES)) throw new UserError(`tensor ${name} has dtype ${dtype}; cultune reads F32, F16 and BF16`);
    const size = elementCount(shape) * BYTES[dtype as SafetensorsDtype];
    if (!Array.isArray(offsets) || offsets[1] - offsets[0] !== size) {
      throw new UserError(`tensor ${name}: data_offsets ${JSON.stringify(offsets)} do not match shape [${shape}] of ${dtype}`);
    }
    if (offsets[1] > data.length) throw new UserError(`safetensors file is truncated: tensor ${name} ends at byte ${offsets[1]} of ${data.length}`);
    tensors[name] = { dtype: dtype as SafetensorsDtype, shape, data: decodeValues(data.subarray(offsets[0], offsets[1]), dtype as SafetensorsDtype) };
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, n) => product * n, 1);
}

function encodeValues(tensor: Tensor): Uint8Array {
  const out = new Uint8Array(tensor.data.length * BYTES[tensor.dtype]);
  const view = new DataView(out.buffer);
  if (tensor.dtype === 'F32') tensor.data.forEach((v, n) => view.setFloat32(n * 4, v, true));
  else if (tensor.dtype === 'F16') float32ArrayToFloat16(tensor.data).forEach((h, n) => view.setUint16(n * 2, h, true));
  else throw new UserError('writing BF16 is not supported; use F32 or F16');
  return out;
}

function decodeValues(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / BYTES[dtype];
  if (dtype === 'F32') return Float32Array.from({ length: count }, (_, n) => view.getFloat32(n * 4, true));
  const halves = Uint16Array.from({ length: count }, (_, n) => view.getUint16(n * 2, true));
  if (dtype === 'F16') return float16ArrayToFloat32(halves);
  // bfloat16 is the top half of a float32.
  return new Float32Array(Uint32Array.from(halves, (h) => h << 16).buffer);
}
