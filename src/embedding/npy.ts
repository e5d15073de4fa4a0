import { float16ArrayToFloat32, float32ArrayToFloat16 } from './fp16.ts';
import { UserError } from '../util/errors.ts';

export type NpyDtype = '<f4' | '<f2' | '<f8';

const MAGIC = [0x93, ...'NUMPY'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0)));
const BYTES: Record<NpyDtype, number> = { '<f4': 4, '<f2': 2, '<f8': 8 };

/**
 * NumPy .npy version 1.0 (C order, little endian) as numpy.save writes it: magic, version 1.0, a
 * uint16 header length, then the header dict padded with spaces and ended by a newline so the
 * data starts at a multiple of 64 bytes.
 */
export function encodeNpy(data: Float32Array, shape: readonly number[], dtype: '<f4' | '<f2' = '<f4'): Uint8Array {
  const count = shape.reduce((p, n) => p * n, 1);
  if (count !== data.length) throw new UserError(`npy: ${data.length} values do not fill shape [${shape}]`);
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${tuple}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * BYTES[dtype]);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out.set([1, 0], 6);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const start = 10 + header.length;
  if (dtype === '<f4') data.forEach((v, n) => view.setFloat32(start + n * 4, v, true));
  else float32ArrayToFloat16(data).forEach((h, n) => view.setUint16(start + n * 2, h, true));
  return out;
}

/** Reads .npy versions 1.0-3.0 holding <f4, <f2 or <f8 in C order; values come back as float32. */
export function decodeNpy(bytes: Uint8Array): { dtype: NpyDtype; shape: number[]; data: Float32Array } {
  if (bytes.length < 10 || MAGIC.some((b, n) => bytes[n] !== b)) throw new UserError('not a .npy file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new UserError(`unsupported .npy version ${major}.${bytes[7]}`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new UserError('.npy file is truncated in its header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes + headerLength;
  if (start > bytes.length) throw new UserError(`.npy file is truncated: header of ${headerLength} bytes, file of ${bytes.length}`);
  const header = new TextDecoder().decode(bytes.subarray(8 + lengthBytes, start));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new UserError(`.npy header is malformed: ${header.trim()}`);
  if (fortran === 'True') throw new UserError('.npy array is in Fortran order; save it in C order (numpy.ascontiguousarray)');
  if (!(descr in BYTES)) throw new UserError(`.npy dtype ${descr} is not supported; use little-endian float32 (<f4), float16 (<f2) or float64 (<f8)`);
  const dtype = descr as NpyDtype;
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((p, n) => p * n, 1);
  const end = start + count * BYTES[dtype];
  if (end > bytes.length) throw new UserError(`.npy file is truncated: shape [${shape}] needs ${end - start} data bytes, has ${bytes.length - start}`);
  const data =
    dtype === '<f2'
      ? float16ArrayToFloat32(Uint16Array.from({ length: count }, (_, n) => view.getUint16(start + n * 2, true)))
      : Float32Array.from({ length: count }, (_, n) => (dtype === '<f4' ? view.getFloat32(start + n * 4, true) : view.getFloat64(start + n * 8, true)));
  return { dtype, shape, data };
}
