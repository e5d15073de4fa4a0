import { onnx, DataType, type NodeProto, type TensorProto, type ValueInfoProto, type AttributeProto } from './onnx-proto.ts';

/** Small constructors for ONNX protobuf records, shared by the graph rewrite and the fixture generator. */

type AttributeValue = number | number[] | string | TensorProto;

function attribute(name: string, value: AttributeValue): AttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Object.is(value, -0)
      ? { name, type: A.INT, i: value }
      : { name, type: A.FLOAT, f: value };
  }
  return { name, type: A.TENSOR, t: value };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttributeValue | { float: number }> = {},
  options: { name?: string; domain?: string } = {},
): NodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: options.name ?? outputs[0],
    domain: options.domain ?? '',
    attribute: Object.entries(attributes).map(([key, value]) =>
      typeof value === 'object' && value !== null && 'float' in value
        ? { name: key, type: onnx.AttributeProto.AttributeType.FLOAT, f: value.float }
        : attribute(key, value as AttributeValue),
    ),
  };
}

export function tensorValueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function int64Tensor(name: string, values: number[], dims: number[] = [values.length]): TensorProto {
  return { name, dataType: DataType.INT64, dims, int64Data: values };
}

export function floatScalarTensor(name: string, value: number, dataType: number): TensorProto {
  if (dataType === DataType.FLOAT16) {
    return { name, dataType, dims: [], int32Data: [float32ToFloat16Bits(value)] };
  }
  return { name, dataType: DataType.FLOAT, dims: [], floatData: [value] };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a number, rounding to nearest even (as numpy's astype(float16)). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const halfway = 1 << (shift - 1);
    let result = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    if (remainder > halfway || (remainder === halfway && (result & 1))) result += 1;
    return sign | result;
  }
  let result = (e << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (result & 1))) result += 1;
  return sign | result;
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function float32ArrayToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

export function float16ArrayToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]);
  return out;
}
