/**
 * The CPU execution plan against two PyTorch peers (issue 12, item 4): one candidate (k = 10 soft
 * vectors, the 24 VSM 2013 items asked of one respondent variant) scored by cultune's prefix-tree
 * plan (onnxruntime's default threads, and one thread) and by scripts/peer/torch_llama_scoring.py in
 * its "full" mode (what Hugging Face code does by default: full logits) and its "tuned" mode (shared
 * prefix once, LM head at the last position only). They alternate for a few rounds so that a load
 * burst on the shared machine hits all of them; wall and CPU (user + system, all threads) seconds per
 * candidate are medians over the rounds, and every peer log-prob is checked against ours (1e-4).
 * Both score the answers' digits as one-token options (oneTokenOptions).
 *
 * Usage: node bin/run-ts.js scripts/bench-cpu-plan.ts [shape] [rounds]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadModel, type LlamaModel, type ScoreRequest, type SoftPrompt } from '../src/model/index.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import type { SHAPES } from '../src/synthetic/llama-graph.ts';
import { benchModel } from './bench-scoring.ts';
import { exportHfWeights } from './peer/export-weights.ts';
import { ensureTorchWithOpenBlas } from './debian-python.ts';
import { runTorchPeer, TORCH_PEER_ENV } from './peer/torch-peer.ts';
import { oneTokenOptions } from './peer/one-token-options.ts';

const ROOT = path.resolve(fileURLToPath(import.meta.url), '../..');
const K = 10;
const VARIANTS = 1;
const PEER_BATCH = 16;
/** Candidates each implementation scores per round (one more, untimed, first). */
const PER_ROUND = 1;
const TOLERANCE = 1e-4;

type Shape = keyof typeof SHAPES;
type PeerMode = 'full' | 'tuned';
type Implementation = 'ours' | 'oursOneThread' | PeerMode;

interface Timing {
  seconds: number;
  cpuSeconds: number;
}

const loadAverage = () => os.loadavg()[0].toFixed(1);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timeOurs(model: LlamaModel, requests: ScoreRequest[], softPrompt: SoftPrompt): Promise<{ timing: Timing; logprobs: number[][] }> {
  let logprobs: number[][] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let c = 0; c < PER_ROUND; c++) logprobs = await model.score(requests, { softPrompt });
  const used = process.cpuUsage(cpu);
  return { timing: { seconds: (performance.now() - started) / 1000 / PER_ROUND, cpuSeconds: (used.user + used.system) / 1e6 / PER_ROUND }, logprobs };
}

function maxDifference(ours: number[][], peer: number[][][]): number {
  let worst = 0;
  for (const candidate of peer) candidate.forEach((request, r) => request.forEach((v, o) => (worst = Math.max(worst, Math.abs(v - ours[r][o])))));
  if (!(worst <= TOLERANCE)) throw new Error(`log-probs differ from the PyTorch peer by ${worst} > ${TOLERANCE}`);
  return worst;
}

export async function benchCpuPlan(shape: Shape = 'smollm-135m', rounds = 3): Promise<string> {
  ensureTorchWithOpenBlas();
  const modelDir = benchModel(shape);
  const dir = path.join(ROOT, 'bench-out', 'cpu-plan', shape);
  const weightsDir = exportHfWeights(modelDir, path.join(dir, 'weights'));
  const model = await loadModel(modelDir, { device: 'cpu' });
  const oneThread = await loadModel(modelDir, { device: 'cpu', threads: 1 });
  const { requests: asked } = prepareInstrument(model.tokenizer, { instrument: VSM13, settings: VSM13.settings({ variants: String(VARIANTS) }) }, undefined);
  const requests = asked.map(oneTokenOptions);
  const data = Float32Array.from({ length: K * model.hidden }, (_, i) => 0.02 * Math.sin(i));
  const softPrompt: SoftPrompt = { k: K, hidden: model.hidden, data };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'requests.json'), JSON.stringify(requests));
  const prompts = new Float32Array(PER_ROUND * data.length);
  for (let c = 0; c < PER_ROUND; c++) prompts.set(data, c * data.length);
  fs.writeFileSync(path.join(dir, 'prompts.bin'), Buffer.from(prompts.buffer));

  await model.score(requests, { softPrompt });
  await oneThread.score(requests, { softPrompt });
  const timings: Record<Implementation, Timing[]> = { ours: [], oursOneThread: [], full: [], tuned: [] };
  const diffs: Record<PeerMode, number> = { full: 0, tuned: 0 };
  let threadDiff = 0;
  const loads = [loadAverage()];
  let torchVersion = '';
  let threads = 0;
  for (let round = 0; round < rounds; round++) {
    const ours = await timeOurs(model, requests, softPrompt);
    timings.ours.push(ours.timing);
    const single = await timeOurs(oneThread, requests, softPrompt);
    timings.oursOneThread.push(single.timing);
    threadDiff = Math.max(threadDiff, maxDifference(ours.logprobs, [single.logprobs]));
    for (const mode of ['full', 'tuned'] as const) {
      const peer = await runTorchPeer({ modelDir, weightsDir, inputsDir: dir, k: K, batchSize: PEER_BATCH, mode, out: `peer-${mode}.json` });
      timings[mode].push({ seconds: peer.seconds / PER_ROUND, cpuSeconds: peer.cpu_seconds / PER_ROUND });
      diffs[mode] = Math.max(diffs[mode], maxDifference(ours.logprobs, peer.logprobs));
      [torchVersion, threads] = [peer.torch, peer.threads];
    }
    loads.push(loadAverage());
  }
  await model.dispose();
  await oneThread.dispose();

  const tokens = requests.reduce((sum, r) => sum + r.ids.length + K, 0);
  const wall = (name: Implementation) => median(timings[name].map((t) => t.seconds));
  const cpu = (name: Implementation) => median(timings[name].map((t) => t.cpuSeconds));
  const row = (name: Implementation, label: string, diff: string) =>
    `| ${label} | ${wall(name).toFixed(2)} | ${cpu(name).toFixed(2)} | ${(wall(name) / wall('ours')).toFixed(2)}x | ${(cpu(name) / cpu('ours')).toFixed(2)}x | ${diff} |`;
  return [
    `${shape}: one candidate = ${requests.length} prompts, ${tokens} prompt tokens (k = ${K}); ${rounds} rounds of ${PER_ROUND} candidates each, medians;`,
    `${os.cpus().length} threads, ${os.cpus()[0]?.model ?? 'unknown CPU'}; PyTorch ${torchVersion}, ${threads} threads, ${Object.entries(TORCH_PEER_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}; load average ${loads.join(' -> ')}.`,
    '',
    '| implementation | s / candidate | CPU s / candidate | time / cultune\'s (wall) | time / cultune\'s (CPU) | max abs diff vs cultune |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('ours', 'cultune, prefix-tree plan', ''),
    row('oursOneThread', 'cultune, prefix-tree plan, `--threads 1`', threadDiff.toExponential(1)),
    row('full', `PyTorch eager, full logits (Hugging Face style), batches of ${PEER_BATCH}`, diffs.full.toExponential(1)),
    row('tuned', `PyTorch eager, shared prefix once + last-position head, batches of ${PEER_BATCH}`, diffs.tuned.toExponential(1)),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchCpuPlan((process.argv[2] ?? 'smollm-135m') as Shape, Number(process.argv[3] ?? 3)));
}
