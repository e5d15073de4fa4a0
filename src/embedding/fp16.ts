/**
 * IEEE 754 half precision <-> single precision, bit exact. float32 -> float16 rounds to nearest,
 * ties to even, overflows to infinity, keeps NaN a (quiet) NaN and produces subnormals.
 */

/** The largest finite float16 magnitude; float32 values beyond it round to infinity. */
export const FP16_LARGEST = 65504;

const scratch = new DataView(new ArrayBuffer(4));

/** The float16 bit pattern nearest to `value` (after rounding `value` to float32). */
export function float32ToFloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the full significand (implicit 1 included) into place.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(significand, shift);
  }
  // A carry out of the mantissa bumps the exponent, and from 30 to 31 gives infinity: both correct.
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

/** value >> shift, rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

export function float32ArrayToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let n = 0; n < values.length; n++) out[n] = float32ToFloat16Bits(values[n]);
  return out;
}

export function float16ArrayToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let n = 0; n < bits.length; n++) out[n] = float16BitsToFloat32(bits[n]);
  return out;
}

/**
 * bfloat16 bit patterns (the upper half of a float32) rounded to nearest, ties to even; NaN stays a
 * quiet NaN. bfloat16 has float32's range, so nothing overflows that float32 holds.
 */
export function float32ArrayToBfloat16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let n = 0; n < values.length; n++) {
    const b = bits[n];
    out[n] = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function bfloat16ArrayToFloat32(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let n = 0; n < bits.length; n++) words[n] = bits[n] << 16;
  return new Float32Array(words.buffer);
}
