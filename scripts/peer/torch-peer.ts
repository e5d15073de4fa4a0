import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEBIAN_PYTHON, torchPeerEnv } from '../debian-python.ts';

const run = promisify(execFile);
const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../..');
const PEER = path.join(ROOT, 'scripts', 'peer', 'torch_llama_scoring.py');
/** The environment the peer runs in (debian-python.ts), for the benchmarks' notes. */
export const TORCH_PEER_ENV = torchPeerEnv();

/** What torch_llama_scoring.py writes. */
export interface TorchPeerResult {
  logprobs: number[][][];
  seconds: number;
  cpu_seconds: number;
  max_rss_kib: number;
  batches: [rows: number, width: number][];
  torch: string;
  threads: number;
}

/**
 * Runs the PyTorch peer over `inputsDir`'s requests.json and prompts.bin (float32 [candidates, k,
 * hidden]) after one untimed candidate, in the mode asked for (torch_llama_scoring.py: "full" or
 * "tuned"); its result JSON goes to `inputsDir/out`.
 */
export async function runTorchPeer(job: {
  modelDir: string;
  weightsDir: string;
  inputsDir: string;
  k: number;
  batchSize: number;
  mode: 'full' | 'tuned';
  out: string;
}): Promise<TorchPeerResult> {
  const out = path.join(job.inputsDir, job.out);
  const args = {
    model_dir: job.modelDir,
    weights_dir: job.weightsDir,
    requests: path.join(job.inputsDir, 'requests.json'),
    prompts: path.join(job.inputsDir, 'prompts.bin'),
    k: job.k,
    batch_size: job.batchSize,
    warmup: true,
    mode: job.mode,
    out,
  };
  await run(DEBIAN_PYTHON, [PEER, JSON.stringify(args)], { cwd: ROOT, env: { ...process.env, ...TORCH_PEER_ENV }, maxBuffer: 1 << 24 });
  return JSON.parse(fs.readFileSync(out, 'utf8')) as TorchPeerResult;
}
