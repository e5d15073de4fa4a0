import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { loadModel, type LlamaModel } from '../src/model/index.ts';
import { batchRows, planRows } from '../src/model/scoring-plan.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import { writeLlamaFolder } from '../src/synthetic/llama-folder.ts';
import { SHAPES } from '../src/synthetic/llama-graph.ts';
import type { ScoreRequest } from '../src/model/types.ts';

/**
 * Scoring throughput on CPU: the 24 VSM 2013 items x the default respondent variants, scored
 * (a) by the unmodified graph with full-vocabulary logits, as transformers-style code would,
 * (b) by the rewritten graph's scoring head, (c) the same with every shared prefix computed once (the prefix tree).
 */

/**
 * The Llama-2 tokenizer of ../shared (beside the repository): the benchmarks' prompts keep Llama 2's
 * token counts, so their numbers stay comparable with those recorded in BENCHMARKS.md.
 */
const SHARED_TOKENIZER = path.resolve(fileURLToPath(import.meta.url), '../../../shared/models/tiny-random-llama-fp16');

export const BENCH_MODELS = path.resolve(fileURLToPath(import.meta.url), '../../bench-out/models');

export function benchModel(shape: keyof typeof SHAPES): string {
  const dir = path.join(BENCH_MODELS, shape);
  if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  const s = SHAPES[shape];
  writeLlamaFolder(dir, {
    spec: { ...s, vocab: s.vocab || undefined, maxPositions: 2048, ropeTheta: 10000, rmsEps: 1e-5, dtype: 'float32', withPast: true },
    seed: `bench-${shape}`,
    tokenizer: { copyFrom: SHARED_TOKENIZER },
  });
  return dir;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

/** The unmodified graph: input_ids in, [batch, seq, vocab] logits out, log-softmax in JS. */
async function fullHeadScores(session: ort.InferenceSession, model: LlamaModel, requests: ScoreRequest[]): Promise<number[][]> {
  const rows = planRows(requests, undefined, 'start', undefined);
  const results = requests.map((r) => new Array<number>(r.options.length).fill(0));
  const pastInputs = session.inputNames.filter((n) => n.startsWith('past_key_values'));
  for (const batch of batchRows(rows, 0, 4096, 64)) {
    const width = Math.max(...batch.map((r) => r.length));
    const ids = new BigInt64Array(batch.length * width);
    const mask = new BigInt64Array(batch.length * width);
    const positions = new BigInt64Array(batch.length * width);
    batch.forEach((row, b) => {
      for (let p = 0; p < width; p++) {
        ids[b * width + p] = BigInt(p < row.length ? row.ids[p] : 0);
        mask[b * width + p] = p < row.length ? 1n : 0n;
        positions[b * width + p] = BigInt(p);
      }
    });
    const dims = [batch.length, width];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      position_ids: new ort.Tensor('int64', positions, dims),
    };
    for (const name of pastInputs) feeds[name] = new ort.Tensor('float32', new Float32Array(0), [batch.length, model.config.kvHeads, 0, model.config.headDim]);
    const out = await session.run(feeds, ['logits']);
    const logits = out.logits.data as Float32Array;
    const V = out.logits.dims[2];
    batch.forEach((row, b) => {
      const at = (b * width + row.positions[0]) * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[at + v]);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(logits[at + v] - max);
      const lse = max + Math.log(sum);
      for (const read of row.reads) results[read.request][read.option] = logits[at + row.targets[read.pairs[0][1]]] - lse;
    });
    out.logits.dispose();
  }
  return results;
}

function maxDifference(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

export async function benchScoring(shapes: (keyof typeof SHAPES)[] = ['tiny', 'smollm-135m'], runs = 3): Promise<string> {
  const lines = [
    '| model | path | s / candidate | prompts / s | prompt tokens / s | speed-up vs full head | max abs diff vs full head |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const shape of shapes) {
    const dir = benchModel(shape);
    const withReuse = await loadModel(dir, { device: 'cpu' });
    const plain = await loadModel(dir, { device: 'cpu', prefixReuse: false });
    const requests = prepareInstrument(withReuse.tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined).requests;
    const tokens = requests.reduce((sum, r) => sum + r.ids.length, 0);
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { graphOptimizationLevel: 'all', logSeverityLevel: 4 });
    const reference = await fullHeadScores(session, withReuse, requests);
    const paths: [string, () => Promise<number[][]>][] = [
      ['full-vocabulary logits (unmodified graph)', () => fullHeadScores(session, withReuse, requests)],
      ['scoring head', () => plain.score(requests)],
      ['scoring head + prefix tree', () => withReuse.score(requests)],
    ];
    let baseline = 0;
    for (const [name, run] of paths) {
      const seconds = await timeRuns(runs, run);
      baseline ||= seconds;
      const diff = maxDifference(await run(), reference);
      lines.push(
        `| ${shape} | ${name} | ${seconds.toFixed(3)} | ${(requests.length / seconds).toFixed(1)} | ${Math.round(tokens / seconds)} | ${(baseline / seconds).toFixed(2)}x | ${diff.toExponential(1)} |`,
      );
    }
    await session.release();
    await withReuse.dispose();
    await plain.dispose();
    lines.push(`|  | (one candidate = ${requests.length} prompts, ${tokens} prompt tokens) | | | | | |`);
  }
  return `### Scoring throughput (CPU, ${os.cpus().length} threads, ${os.cpus()[0]?.model ?? 'unknown CPU'})\n\n${lines.join('\n')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await benchScoring(process.argv.slice(2).length ? (process.argv.slice(2) as (keyof typeof SHAPES)[]) : undefined));
}
