import ort from 'onnxruntime-node';
import { float16BitsToFloat32 } from '../../src/embedding/fp16.ts';

/**
 * Runs an unmodified export (input_ids in, full logits out) on one sequence and returns the logits
 * of every position, as float64: the reference the rewritten graph must match.
 */
export async function originalLogits(graphPath: string, ids: number[]): Promise<Float64Array[]> {
  const session = await ort.InferenceSession.create(graphPath, { logSeverityLevel: 4 });
  const S = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, S]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, S]),
  };
  const metadata = session.inputMetadata as unknown as { name: string; type?: string; shape?: (number | string)[] }[];
  for (const input of metadata) {
    if (!input.name.startsWith('past_key_values')) continue;
    const dims = [1, Number(input.shape![1]), 0, Number(input.shape![3])];
    feeds[input.name] = input.type === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
  }
  const out = await session.run(feeds, ['logits']);
  const logits = out.logits;
  const V = logits.dims[2];
  const values = logits.type === 'float16' ? Float64Array.from(logits.data as Uint16Array, float16BitsToFloat32) : Float64Array.from(logits.data as Float32Array);
  await session.release();
  return Array.from({ length: S }, (_, p) => values.subarray(p * V, (p + 1) * V));
}
