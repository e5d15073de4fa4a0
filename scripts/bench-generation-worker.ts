/**
 * One DE generation of cultune, alone in its process so that its peak RSS is its own; started by
 * scripts/bench-generation.ts. It runs `train()` itself for one generation, with `cultune train`'s
 * defaults read from the command's own option definitions, so whatever training does (how candidates
 * are built, how many are scored per call, checkpoints) is what is measured. The model is wrapped so
 * that each scoring call's soft prompts and log-probabilities are recorded for the comparison.
 *
 * Usage: node bin/run-ts.js scripts/bench-generation-worker.ts JOB_JSON (see GenerationJob).
 */
import fs from 'node:fs';
import { calibrationCacheDir } from '../src/instruments/vsm13/calibration.ts';
import { readSettings } from '../src/util/settings.ts';
import path from 'node:path';
import { Command } from 'commander';
import { loadModel, type LlamaModel, type ScoreRequest, type SoftPrompt } from '../src/model/index.ts';
import { addTrainingOptions, runRequest, type TrainingFlags } from '../src/cli/commands/train.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { newRunInfo, runDefinition } from '../src/train/new-run.ts';
import type { RunInfo } from '../src/train/run-files.ts';
import { train } from '../src/train/train.ts';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/atomic.ts';

export interface GenerationJob {
  modelDir: string;
  pop: number;
  k: number;
  /** Only the first `items` VSM items are scored (all their respondent variants); 24 is the whole instrument. */
  items: number;
  /** Score one candidate untimed first (training runs many generations: steady state is what counts). */
  warmup: boolean;
  /** Generations to run; the result is their median (short runs on a shared machine are noisy). */
  generations: number;
  /** Where to write the result JSON (GenerationResult); the run folder goes beside it. */
  out: string;
  /** When set: write requests.json and prompts.bin (float32 [n, k, hidden]) of the first n candidates here. */
  inputs?: { dir: string; candidates: number };
}

export interface GenerationResult {
  /** The run's settings: `cultune train`'s defaults with the job's population and k. */
  settings: Pick<RunInfo, 'instrument' | 'softPrompt' | 'search'>;
  /** Seconds of one generation as train() records them (ask, scoring, losses, tell), median over the generations run. */
  seconds: number;
  /** User + system CPU seconds of the train() call per generation, all threads: less sensitive to other load than wall time. */
  cpuSeconds: number;
  /** Candidates per generation. */
  candidates: number;
  requests: number;
  /** Per candidate: every scored prompt's tokens plus the k soft vectors in front of each. */
  promptTokens: number;
  /** Per candidate: the token count of each scored request (for FLOP counting). */
  requestLengths: number[];
  maxRssKiB: number;
  /** The first generation's first `inputs.candidates` candidates' log-probs, [candidate][request][option]. */
  logprobs?: number[][][];
}

const COUNTRY = 'Japan';

interface Recorded {
  requests: ScoreRequest[];
  prompts: SoftPrompt[];
  logprobs: number[][][];
}

/**
 * The model as train() sees it, except that its scoring methods (`score`, and `scoreCandidates` where
 * the runtime has it) score only the requests of `keep` (the rest answer uniformly, so the loss still
 * computes) and record what they return.
 */
function recordingModel(model: LlamaModel, keep: (index: number) => boolean, recorded: Recorded): LlamaModel {
  const narrow = (requests: ScoreRequest[]) => requests.filter((_, i) => keep(i));
  const widen = (requests: ScoreRequest[], scored: number[][]) => {
    let next = 0;
    return requests.map((r, i) => (keep(i) ? scored[next++] : r.options.map(() => Math.log(1 / r.options.length))));
  };
  const record = (requests: ScoreRequest[], prompts: (SoftPrompt | undefined)[], results: number[][][]) => {
    recorded.requests = narrow(requests);
    prompts.forEach((prompt, c) => {
      if (!prompt) throw new Error('training scored a candidate without a soft prompt');
      recorded.prompts.push(prompt);
      recorded.logprobs.push(results[c]);
    });
    return results.map((scored) => widen(requests, scored));
  };
  const methods: Record<string, (...args: never[]) => Promise<unknown>> = {
    score: async (requests: ScoreRequest[], options: { softPrompt?: SoftPrompt } = {}) =>
      record(requests, [options.softPrompt], [await model.score(narrow(requests), options)])[0],
    scoreCandidates: async (requests: ScoreRequest[], prompts: SoftPrompt[], options: unknown) => {
      const scoreMany = (model as unknown as Record<string, (...args: unknown[]) => Promise<number[][][]>>).scoreCandidates.bind(model);
      return record(requests, prompts, await scoreMany(narrow(requests), prompts, options));
    },
  };
  return new Proxy(model, {
    get: (target, property, receiver) =>
      typeof property === 'string' && property in methods && typeof Reflect.get(target, property) === 'function'
        ? methods[property]
        : Reflect.get(target, property, receiver),
  });
}

async function runGeneration(job: GenerationJob): Promise<GenerationResult> {
  const model = await loadModel(job.modelDir, { device: 'cpu' });
  const args = ['--pop', String(job.pop), '--k', String(job.k), '--generations', String(job.generations)];
  const flags: TrainingFlags = { ...addTrainingOptions(new Command()).parse(args, { from: 'user' }).opts(), model: job.modelDir, device: 'cpu' };
  const request = runRequest(flags);
  const target = request.instrument.instrument.target({ country: COUNTRY });
  const info = newRunInfo(runDefinition(COUNTRY, target, request), model, 'bench');
  const prepared = prepareInstrument(model.tokenizer, request.instrument, target);
  const items = new Set([...new Set(prepared.questions.map((q) => q.itemId))].slice(0, job.items));
  const keep = (i: number) => items.has(prepared.questions[i].itemId);

  if (job.warmup) {
    const zeros: SoftPrompt = { k: job.k, hidden: model.hidden, data: new Float32Array(job.k * model.hidden) };
    await model.score(prepared.requests.filter((_, i) => keep(i)), { softPrompt: zeros, placement: flags.placement });
  }
  const runDir = path.join(path.dirname(job.out), `run-${path.basename(job.out, '.json')}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  const recorded: Recorded = { requests: [], prompts: [], logprobs: [] };
  // train() records the cumulative seconds at the end of each generation.
  const elapsed: number[] = [0];
  const cpuStarted = process.cpuUsage();
  await train(runDir, info, recordingModel(model, keep, recorded), { calibrationCacheDir: calibrationCacheDir(readSettings()) }, { onGeneration: (record) => elapsed.push(record.seconds) });
  const cpu = process.cpuUsage(cpuStarted);
  const perGeneration = elapsed.slice(1).map((t, g) => t - elapsed[g]).sort((a, b) => a - b);
  if (perGeneration.length !== job.generations) throw new Error(`train ran ${perGeneration.length} generations, ${job.generations} were asked`);

  const inputs = job.inputs;
  if (inputs) {
    writeJsonAtomic(path.join(inputs.dir, 'requests.json'), recorded.requests);
    const prompts = recorded.prompts.slice(0, inputs.candidates);
    const data = new Float32Array(prompts.length * job.k * model.hidden);
    prompts.forEach((prompt, c) => data.set(prompt.data, c * job.k * model.hidden));
    writeFileAtomic(path.join(inputs.dir, 'prompts.bin'), new Uint8Array(data.buffer));
  }
  await model.dispose();
  return {
    settings: { instrument: info.instrument, softPrompt: info.softPrompt, search: info.search },
    seconds: perGeneration[Math.floor(perGeneration.length / 2)],
    cpuSeconds: (cpu.user + cpu.system) / 1e6 / job.generations,
    candidates: job.pop,
    requests: recorded.requests.length,
    promptTokens: recorded.requests.reduce((sum, r) => sum + r.ids.length + job.k, 0),
    requestLengths: recorded.requests.map((r) => r.ids.length),
    maxRssKiB: process.resourceUsage().maxRSS,
    logprobs: inputs ? recorded.logprobs.slice(0, inputs.candidates) : undefined,
  };
}

const job = JSON.parse(process.argv[2] ?? 'null') as GenerationJob | null;
if (!job) throw new Error('usage: bench-generation-worker.ts JOB_JSON');
fs.mkdirSync(path.dirname(job.out), { recursive: true });
writeJsonAtomic(job.out, await runGeneration(job));
