import fs from 'node:fs';
import path from 'node:path';
import { onnx } from '../../src/model/onnx-proto.ts';
import { readFloatInitializer } from '../../src/model/tensor-data.ts';

/**
 * An independent Llama forward pass in plain double-precision loops, written from the transformers
 * formulas (not from the ONNX graph), reading the fixture's weights. Slow; for a few tokens only.
 */
export function referenceLogits(dir: string, ids: number[]): Float64Array[] {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'model.onnx')));
  const weights = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
  const get = (name: string) => readFloatInitializer(weights.get(name)!, dir).data;
  const D = config.hidden_size, H = config.num_attention_heads, KV = config.num_key_value_heads, F = config.intermediate_size;
  const hd = D / H, V = config.vocab_size, eps = config.rms_norm_eps, theta = config.rope_theta;
  let linear = 1000;
  const next = () => get(`onnx::MatMul_${linear++}`);
  const matmul = (x: Float64Array, w: Float32Array, rows: number, cols: number) => {
    const out = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] += x[i] * w[i * cols + j];
    return out;
  };
  const rms = (x: Float64Array, w: Float32Array) => {
    let ms = 0;
    for (const v of x) ms += v * v;
    const r = 1 / Math.sqrt(ms / x.length + eps);
    return x.map((v, i) => v * r * w[i]);
  };
  const rope = (vec: Float64Array, pos: number) => {
    const out = new Float64Array(hd);
    for (let i = 0; i < hd / 2; i++) {
      const angle = pos * (1 / theta ** ((2 * i) / hd));
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      out[i] = vec[i] * c - vec[i + hd / 2] * s;
      out[i + hd / 2] = vec[i + hd / 2] * c + vec[i] * s;
    }
    return out;
  };
  const embed = get('model.embed_tokens.weight');
  let h = ids.map((id) => Float64Array.from(embed.subarray(id * D, id * D + D)));
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const [wq, wk, wv, wo, wg, wu, wd] = [next(), next(), next(), next(), next(), next(), next()];
    const x = h.map((v) => rms(v, get(`model.layers.${l}.input_layernorm.weight`)));
    const q = x.map((v) => matmul(v, wq, D, H * hd));
    const k = x.map((v) => matmul(v, wk, D, KV * hd));
    const vv = x.map((v) => matmul(v, wv, D, KV * hd));
    const attn = ids.map((_, t) => {
      const out = new Float64Array(H * hd);
      for (let head = 0; head < H; head++) {
        const g = Math.floor(head / (H / KV));
        const qh = rope(q[t].subarray(head * hd, head * hd + hd), t);
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          const kh = rope(k[s].subarray(g * hd, g * hd + hd), s);
          return qh.reduce((a, qv, i) => a + qv * kh[i], 0) / Math.sqrt(hd);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) for (let i = 0; i < hd; i++) out[head * hd + i] += (e[s] / z) * vv[s][g * hd + i];
      }
      return out;
    });
    h = h.map((v, t) => {
      const projected = matmul(attn[t], wo, H * hd, D);
      return v.map((val, i) => val + projected[i]);
    });
    const y = h.map((v) => rms(v, get(`model.layers.${l}.post_attention_layernorm.weight`)));
    h = h.map((v, t) => {
      const gate = matmul(y[t], wg, D, F);
      const up = matmul(y[t], wu, D, F);
      const act = gate.map((gv, i) => (gv / (1 + Math.exp(-gv))) * up[i]);
      const down = matmul(act, wd, F, D);
      return v.map((val, i) => val + down[i]);
    });
  }
  const lm = next();
  return h.map((v) => matmul(rms(v, get('model.norm.weight')), lm, D, V));
}

export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum);
  return Float64Array.from({ length: logits.length }, (_, i) => logits[i] - lse);
}
