import { describe, expect, it } from 'vitest';
import {
  decodeNpy,
  decodePeftSoftPrompt,
  decodeSafetensors,
  decodeSoftPromptJson,
  encodeNpy,
  encodePeftSoftPrompt,
  encodeSafetensors,
  encodeSoftPromptJson,
  float16ArrayToFloat32,
  float16BitsToFloat32,
  float32ArrayToFloat16,
  float32ToFloat16Bits,
  peftAdapterConfig,
} from '../src/embedding/index.ts';
import { UserError } from '../src/util/errors.ts';

const ascii = (text: string) => new TextEncoder().encode(text);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function littleEndianF32(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, n) => new DataView(out.buffer).setFloat32(n * 4, v, true));
  return out;
}

describe('fp16', () => {
  const known: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [2 ** -24, 0x0001],
    [0.1, 0x2e66],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [0, 0x0000],
    [-0, 0x8000],
    [2 ** -14, 0x0400],
  ];
  it('converts known values exactly, both ways', () => {
    for (const [value, bits] of known) {
      expect(float32ToFloat16Bits(value)).toBe(bits);
      if (value !== 0.1) expect(Object.is(float16BitsToFloat32(bits), value)).toBe(true);
    }
    expect(float16BitsToFloat32(0x2e66)).toBe(0.0999755859375);
  });

  it('rounds to nearest even, overflows to infinity, keeps NaN', () => {
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff); // below the halfway point to 65536
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // halfway, ties to even = overflow
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e6)).toBe(0xfc00);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, keeps the even mantissa
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, rounds up to even
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(2);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
  });

  it('round-trips every finite half exactly', () => {
    const all = Uint16Array.from({ length: 0x10000 }, (_, n) => n).filter((b) => (b & 0x7c00) !== 0x7c00);
    expect(float32ArrayToFloat16(float16ArrayToFloat32(all))).toEqual(all);
  });
});

describe('PEFT safetensors', () => {
  const values = [0.5, -1.25, 3, 0, 1e-3, -7];
  // What PEFT's save_pretrained writes (safetensors save_file, metadata {"format": "pt"}): the JSON
  // header padded with spaces to a multiple of 8 bytes, then the little-endian data.
  const header = '{"__metadata__":{"format":"pt"},"prompt_embeddings":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}';
  const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(padded.length), true);
  const handMade = concat(length, ascii(padded), littleEndianF32(values));

  it('reads a file laid out byte by byte as PEFT writes it', () => {
    expect(padded.length % 8).toBe(0);
    const prompt = decodePeftSoftPrompt(handMade, 3);
    expect(prompt.k).toBe(2);
    expect(prompt.hidden).toBe(3);
    expect(Array.from(prompt.data)).toEqual(values.map(Math.fround));
  });

  it('writes the same bytes', () => {
    const prompt = { k: 2, hidden: 3, data: Float32Array.from(values) };
    expect(encodePeftSoftPrompt(prompt)).toEqual(handMade);
  });

  it('round-trips F16, and a multi-tensor file keeps every tensor and its metadata', () => {
    const prompt = { k: 2, hidden: 3, data: Float32Array.from(values) };
    const back = decodePeftSoftPrompt(encodePeftSoftPrompt(prompt, 'F16'));
    expect(Array.from(back.data)).toEqual(values.map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))));
    const file = encodeSafetensors(
      { b: { dtype: 'F16', shape: [2], data: Float32Array.from([1, 2]) }, a: { dtype: 'F32', shape: [1, 1], data: Float32Array.from([4]) } },
      { note: 'x' },
    );
    const decoded = decodeSafetensors(file);
    expect(decoded.metadata).toEqual({ note: 'x' });
    expect(Array.from(decoded.tensors.a.data)).toEqual([4]);
    expect(Array.from(decoded.tensors.b.data)).toEqual([1, 2]);
  });

  it('reads BF16', () => {
    const bf16Header = '{"prompt_embeddings":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}}';
    const h = bf16Header + ' '.repeat((8 - (bf16Header.length % 8)) % 8);
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(h.length), true);
    const data = Uint8Array.from([0x80, 0x3f, 0x00, 0xc0]); // 1.0 and -2.0 as bfloat16
    expect(Array.from(decodePeftSoftPrompt(concat(len, ascii(h), data)).data)).toEqual([1, -2]);
  });

  it('rejects a wrong tensor name, a truncated file and a hidden-size mismatch with one-line errors', () => {
    const renamed = encodeSafetensors({ weight: { dtype: 'F32', shape: [2, 3], data: Float32Array.from(values) } });
    expect(() => decodePeftSoftPrompt(renamed)).toThrow(/no 'prompt_embeddings' tensor \(found: weight\)/);
    expect(() => decodePeftSoftPrompt(handMade.subarray(0, handMade.length - 4))).toThrow(/truncated/);
    expect(() => decodePeftSoftPrompt(handMade.subarray(0, 20))).toThrow(/truncated/);
    expect(() => decodePeftSoftPrompt(handMade.subarray(0, 5))).toThrow(/truncated/);
    expect(() => decodePeftSoftPrompt(handMade, 576)).toThrow(/hidden size 3, the model expects 576/);
    for (const bad of [renamed, handMade.subarray(0, 20)]) {
      try {
        decodePeftSoftPrompt(bad);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).not.toContain('\n');
      }
    }
  });

  it('writes adapter_config.json with the fields PEFT PromptTuningConfig saves', () => {
    const config = peftAdapterConfig({
      baseModel: 'HuggingFaceTB/SmolLM-135M',
      numVirtualTokens: 10,
      tokenDim: 576,
      numLayers: 30,
      numAttentionHeads: 9,
      init: 'TEXT',
      initText: 'You are a person from Japan',
    });
    expect(config).toMatchObject({
      peft_type: 'PROMPT_TUNING',
      task_type: 'CAUSAL_LM',
      num_virtual_tokens: 10,
      token_dim: 576,
      num_layers: 30,
      num_attention_heads: 9,
      num_transformer_submodules: 1,
      prompt_tuning_init: 'TEXT',
      prompt_tuning_init_text: 'You are a person from Japan',
      tokenizer_name_or_path: 'HuggingFaceTB/SmolLM-135M',
      base_model_name_or_path: 'HuggingFaceTB/SmolLM-135M',
      inference_mode: true,
      modules_to_save: null,
      auto_mapping: null,
      tokenizer_kwargs: null,
      revision: null,
    });
    expect(Object.keys(config)).toEqual([...Object.keys(config)].sort());
    expect(() =>
      peftAdapterConfig({ baseModel: 'm', numVirtualTokens: 1, tokenDim: 2, numLayers: 1, numAttentionHeads: 1, init: 'TEXT' }),
    ).toThrow(UserError);
  });
});

describe('npy', () => {
  it('reads a hand-built v1.0 <f4 file', () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
    const padded = header + ' '.repeat(128 - 10 - header.length - 1) + '\n'; // preamble of 128 bytes
    const preamble = concat(Uint8Array.from([0x93]), ascii('NUMPY'), Uint8Array.from([1, 0, padded.length, 0]), ascii(padded));
    const file = concat(preamble, littleEndianF32([1, 2, 3, 4]));
    expect(decodeNpy(file)).toEqual({ dtype: '<f4', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
    // numpy.save writes exactly this preamble for this array.
    expect(encodeNpy(Float32Array.from([1, 2, 3, 4]), [2, 2])).toEqual(file);
  });

  it('round-trips <f4 and <f2, reads <f8, and aligns data to 64 bytes', () => {
    const data = Float32Array.from({ length: 30 }, (_, n) => n / 7 - 2);
    const f4 = encodeNpy(data, [5, 6]);
    expect(decodeNpy(f4).data).toEqual(data);
    expect((f4.length - data.length * 4) % 64).toBe(0);
    const f2 = decodeNpy(encodeNpy(data, [30], '<f2'));
    expect(f2.shape).toEqual([30]);
    expect(f2.data).toEqual(float16ArrayToFloat32(float32ArrayToFloat16(data)));
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat(128 - 10 - header.length - 1) + '\n'; // preamble of 128 bytes
    const f8 = new Uint8Array(16);
    new DataView(f8.buffer).setFloat64(0, 0.25, true);
    new DataView(f8.buffer).setFloat64(8, -3, true);
    const file = concat(Uint8Array.from([0x93]), ascii('NUMPY'), Uint8Array.from([1, 0, padded.length, 0]), ascii(padded), f8);
    expect(Array.from(decodeNpy(file).data)).toEqual([0.25, -3]);
  });

  it('rejects Fortran order, big endian and truncation clearly', () => {
    const good = encodeNpy(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const fortran = good.slice();
    fortran.set(ascii("'fortran_order': True, "), 10 + "{'descr': '<f4', ".length);
    expect(() => decodeNpy(fortran)).toThrow(/Fortran order/);
    const bigEndian = good.slice();
    bigEndian.set(ascii('>'), 10 + "{'descr': '".length);
    expect(() => decodeNpy(bigEndian)).toThrow(/not supported/);
    expect(() => decodeNpy(good.subarray(0, good.length - 1))).toThrow(/truncated/);
    expect(() => decodeNpy(ascii('hello world'))).toThrow(UserError);
  });
});

describe('soft prompt JSON', () => {
  it('round-trips {shape, data} and checks the hidden size', () => {
    const prompt = { k: 2, hidden: 2, data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) };
    const text = encodeSoftPromptJson(prompt);
    expect(JSON.parse(text).shape).toEqual([2, 2]);
    expect(decodeSoftPromptJson(text)).toEqual(prompt);
    expect(() => decodeSoftPromptJson(text, 3)).toThrow(/expects 3/);
    expect(() => decodeSoftPromptJson('{"shape":[2,2],"data":[1,2,3]}')).toThrow(UserError);
    expect(() => decodeSoftPromptJson('nope')).toThrow(UserError);
  });
});
