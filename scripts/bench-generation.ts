/**
 * One DE generation against a PyTorch peer (issue 7): cultune scores a generation of candidates the way
 * training does (scripts/bench-generation-worker.ts, its own process), then the peer
 * (scripts/peer/torch_llama_scoring.py: eager Llama in Debian's python3-torch, full logits) scores the
 * same candidates on the same weights. Checks that every log-probability agrees within 1e-4, reports
 * throughput, achieved FLOP/s against the machine's estimated peak, peak RSS, and a scaling table.
 * `benchGeneration()` returns a Markdown section; run alone with
 * `node bin/run-ts.js scripts/bench-generation.ts`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { benchModel } from './bench-scoring.ts';
import { exportHfWeights } from './peer/export-weights.ts';
import type { GenerationJob, GenerationResult } from './bench-generation-worker.ts';
import { SHAPES } from '../src/synthetic/llama-graph.ts';
import { ensureTorchWithOpenBlas } from './debian-python.ts';
import { runTorchPeer, TORCH_PEER_ENV, type TorchPeerResult } from './peer/torch-peer.ts';

const run = promisify(execFile);
const ROOT = path.resolve(fileURLToPath(import.meta.url), '../..');
const OUT = path.join(ROOT, 'bench-out', 'generation');
const TOLERANCE = 1e-4;
const POPULATION = 20;
const K = 10;
const ITEMS = 24;
const PEER_BATCH = 16;
/** Generations ours runs per measurement (the median counts): a tiny one lasts seconds, where load bursts dominate. */
const GENERATIONS: Record<Shape, number> = { tiny: 5, 'smollm-135m': 1, 'llama-3.2-1b': 1 };

type Shape = keyof typeof SHAPES;

/** The model dimensions FLOPs are counted from (Hugging Face config.json). */
export interface ModelShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
}

export function readShape(modelDir: string): ModelShape {
  const c = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
  return {
    hidden: c.hidden_size,
    layers: c.num_hidden_layers,
    heads: c.num_attention_heads,
    kvHeads: c.num_key_value_heads,
    headDim: c.head_dim ?? c.hidden_size / c.num_attention_heads,
    intermediate: c.intermediate_size,
    vocab: c.vocab_size,
  };
}

/**
 * FLOPs: 2 x (matmul parameters) per token position, plus attention (QK^T and PV: 4 x heads x headDim
 * per query-key pair per layer), plus the LM head (2 x hidden x vocab) where logits are computed.
 */
export function flopModel(s: ModelShape) {
  const layerParams = s.hidden * s.heads * s.headDim * 2 + 2 * s.hidden * s.kvHeads * s.headDim + 3 * s.hidden * s.intermediate;
  const perToken = 2 * s.layers * layerParams;
  const perPair = 4 * s.layers * s.heads * s.headDim;
  const head = 2 * s.hidden * s.vocab;
  return {
    /** The task: every real token once, causal attention, the full-vocabulary head at the one scored position. */
    task: (lengths: number[]) => lengths.reduce((sum, n) => sum + n * perToken + (perPair * n * (n + 1)) / 2 + head, 0),
    /** What an eager full-logits forward executes: padded positions, full S x S attention, the head everywhere. */
    padded: (batches: [number, number][]) => batches.reduce((sum, [rows, width]) => sum + rows * width * (perToken + head) + rows * perPair * width * width, 0),
  };
}

/** Peak fp32 FLOP/s from /proc/cpuinfo: physical cores x clock x FLOPs per cycle of the widest FMA the flags show. */
export function cpuPeak(): { flops: number; description: string } {
  const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const blocks = info.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim();
  const cores = new Set(blocks.map((b) => `${field(b, 'physical id') ?? 0}/${field(b, 'core id') ?? field(b, 'processor')}`)).size;
  const model = field(blocks[0], 'model name') ?? 'unknown CPU';
  const nominal = /@\s*([\d.]+)\s*GHz/.exec(model)?.[1];
  const ghz = nominal ? Number(nominal) : Number(field(blocks[0], 'cpu MHz') ?? 0) / 1000;
  const flags = new Set((field(blocks[0], 'flags') ?? '').split(/\s+/));
  const [unit, perCycle] = flags.has('avx512f')
    ? ['AVX-512 FMA: 16 fp32 lanes x 2 FLOPs x 2 FMA units', 64]
    : flags.has('fma') && flags.has('avx2')
      ? ['AVX2 FMA: 8 fp32 lanes x 2 FLOPs x 2 FMA units', 32]
      : flags.has('avx')
        ? ['AVX: 8 fp32 lanes x (1 mul + 1 add)', 16]
        : ['SSE: 4 fp32 lanes x (1 mul + 1 add)', 8];
  const flops = cores * ghz * 1e9 * perCycle;
  return {
    flops,
    description: `${cores} cores x ${ghz} GHz (nominal, from the model name) x ${perCycle} FLOPs/cycle (${unit}, assumed) = ${(flops / 1e9).toFixed(0)} GFLOP/s`,
  };
}

const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

async function runOurs(job: GenerationJob): Promise<GenerationResult> {
  await run(process.execPath, [path.join(ROOT, 'bin', 'run-ts.js'), path.join(ROOT, 'scripts', 'bench-generation-worker.ts'), JSON.stringify(job)], {
    cwd: ROOT,
    maxBuffer: 1 << 24,
  });
  return JSON.parse(fs.readFileSync(job.out, 'utf8')) as GenerationResult;
}

function runPeer(modelDir: string, weightsDir: string, inputsDir: string): Promise<TorchPeerResult> {
  return runTorchPeer({ modelDir, weightsDir, inputsDir, k: K, batchSize: PEER_BATCH, mode: 'full', out: 'peer.json' });
}

/** Largest |ours - peer| over every candidate, prompt and option; throws above the tolerance. */
function checkAgreement(shape: Shape, ours: number[][][], peer: number[][][]): number {
  let worst = 0;
  let where = '';
  if (ours.length !== peer.length) throw new Error(`${shape}: ours scored ${ours.length} candidates, the peer ${peer.length}`);
  ours.forEach((candidate, c) =>
    candidate.forEach((request, r) =>
      request.forEach((value, o) => {
        const diff = Math.abs(value - peer[c][r][o]);
        if (!(diff <= worst)) [worst, where] = [diff, `candidate ${c}, request ${r}, option ${o}: ${value} vs ${peer[c][r][o]}`];
      }),
    ),
  );
  if (!(worst <= TOLERANCE)) throw new Error(`${shape}: log-probs differ from the PyTorch peer by ${worst} > ${TOLERANCE} (${where})`);
  return worst;
}

const mib = (kib: number) => Math.round(kib / 1024);
/** Ours' candidates per second over the peer's (each over the candidates it scored). */
const speedRatio = (m: Measured) => m.ours.candidates / m.ours.seconds / (m.peerCandidates / m.peer.seconds);
const cpuRatio = (m: Measured) => m.ours.candidates / m.ours.cpuSeconds / (m.peerCandidates / m.peer.cpu_seconds);
const fixed = (v: number, digits = 2) => v.toFixed(digits);

interface Measured {
  shape: Shape;
  ours: GenerationResult;
  peer: TorchPeerResult;
  peerCandidates: number;
  diff: number;
  values: number;
  oursFlops: number;
  peerFlops: number;
  load: string;
}

async function compare(shape: Shape, peerCandidates: number): Promise<Measured> {
  const modelDir = benchModel(shape);
  const dir = path.join(OUT, shape);
  const weightsDir = exportHfWeights(modelDir, path.join(dir, 'weights'));
  const inputsDir = path.join(dir, 'generation');
  const before = loadAverage();
  const ours = await runOurs({
    modelDir,
    pop: POPULATION,
    k: K,
    items: ITEMS,
    warmup: true,
    generations: GENERATIONS[shape],
    out: path.join(inputsDir, 'ours.json'),
    inputs: { dir: inputsDir, candidates: peerCandidates },
  });
  const peer = await runPeer(modelDir, weightsDir, inputsDir);
  const diff = checkAgreement(shape, ours.logprobs!, peer.logprobs);
  const flops = flopModel(readShape(modelDir));
  return {
    shape,
    ours,
    peer,
    peerCandidates,
    diff,
    values: ours.logprobs!.flat(2).length,
    oursFlops: flops.task(ours.requestLengths.map((n) => n + K)) * ours.candidates,
    peerFlops: flops.padded(peer.batches) * peerCandidates,
    load: `${before}–${loadAverage()}`,
  };
}

function comparisonRows(m: Measured, peak: number): string[] {
  const row = (name: string, candidates: number, seconds: number, cpuSeconds: number, flops: number, rssKiB: number, ratio: string) => {
    const rate = flops / seconds;
    return `| ${m.shape} | ${name} | ${candidates} | ${fixed(seconds, 1)} | ${fixed(cpuSeconds, 1)} | ${fixed(candidates / seconds, 3)} | ${Math.round((m.ours.promptTokens * candidates) / seconds)} | ${fixed(flops / candidates / 1e12, 3)} | ${fixed(rate / 1e9, 1)} | ${fixed((100 * rate) / peak, 1)} % | ${mib(rssKiB)} | ${ratio} |`;
  };
  const ratio = speedRatio(m);
  return [
    row('cultune (onnxruntime)', m.ours.candidates, m.ours.seconds, m.ours.cpuSeconds, m.oursFlops, m.ours.maxRssKiB, `**${fixed(ratio)}x**`),
    row(`PyTorch ${m.peer.torch} eager, full logits`, m.peerCandidates, m.peer.seconds, m.peer.cpu_seconds, m.peerFlops, m.peer.max_rss_kib, '1.00x'),
  ];
}

interface ScalingPoint {
  pop: number;
  items: number;
  k: number;
}

/** Each sweep varies one setting around the default generation (population 20, 24 items, k 10). */
const SWEEPS: { shape: Shape; varies: keyof ScalingPoint; values: number[] }[] = [
  { shape: 'tiny', varies: 'pop', values: [10, 20, 40] },
  { shape: 'tiny', varies: 'items', values: [12, 24] },
  { shape: 'tiny', varies: 'k', values: [5, 10, 20] },
  { shape: 'smollm-135m', varies: 'pop', values: [4, 8, 20] },
];

/** Wall times on the shared 2-core machine vary by about this much between runs. */
const LINEAR_TOLERANCE = 0.25;
const DEFAULT_POINT: ScalingPoint = { pop: POPULATION, items: ITEMS, k: K };
const pointTag = (shape: Shape, p: ScalingPoint) => `${shape}-pop${p.pop}-items${p.items}-k${p.k}`;

/** Runs each sweep's points (reusing `done`, the comparison runs at the default point) and says whether time and memory scale as they should. */
async function scalingTable(shapes: Shape[], done: Map<string, GenerationResult>): Promise<string[]> {
  const lines = [
    '| model | population | items | k | prompts | prompt tokens / candidate | s / generation | CPU s / generation | s / candidate | µs / prompt token | peak RSS MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const verdicts: string[] = [];
  const listed = new Set<string>();
  for (const sweep of SWEEPS.filter((w) => shapes.includes(w.shape))) {
    const runs: GenerationResult[] = [];
    for (const value of sweep.values) {
      const point: ScalingPoint = { ...DEFAULT_POINT, [sweep.varies]: value };
      const tag = pointTag(sweep.shape, point);
      let r = done.get(tag);
      if (!r) {
        r = await runOurs({ modelDir: benchModel(sweep.shape), ...point, warmup: true, generations: GENERATIONS[sweep.shape], out: path.join(OUT, 'scaling', `${tag}.json`) });
        done.set(tag, r);
      }
      if (!listed.has(tag)) {
        listed.add(tag);
        const micro = (1e6 * r.seconds) / (r.candidates * r.promptTokens);
        lines.push(
          `| ${sweep.shape} | ${point.pop} | ${point.items} | ${point.k} | ${r.requests} | ${r.promptTokens} | ${fixed(r.seconds)} | ${fixed(r.cpuSeconds)} | ${fixed(r.seconds / r.candidates, 3)} | ${fixed(micro)} | ${mib(r.maxRssKiB)} |`,
        );
      }
      runs.push(r);
    }
    const [first, last] = [runs[0], runs.at(-1)!];
    const work = (last.candidates * last.promptTokens) / (first.candidates * first.promptTokens);
    const memory = sweep.varies === 'pop' ? `; peak RSS ${mib(first.maxRssKiB)} -> ${mib(last.maxRssKiB)} MiB` : '';
    const cpu = last.cpuSeconds / first.cpuSeconds;
    const verdict = cpu / work > 1 + LINEAR_TOLERANCE ? 'MORE than linear' : cpu / work < 1 - LINEAR_TOLERANCE ? 'less than linear' : 'linear';
    verdicts.push(
      `- ${sweep.shape}, ${sweep.varies === 'pop' ? 'population' : sweep.varies} ${sweep.values[0]} -> ${sweep.values.at(-1)}: CPU time x${fixed(cpu)} ` +
        `(wall x${fixed(last.seconds / first.seconds)}) for x${fixed(work)} the prompt tokens (${verdict})${memory}.`,
    );
  }
  return [
    ...lines,
    '',
    `Linear: the CPU-time ratio is within ${LINEAR_TOLERANCE * 100} % of the ratio of prompt tokens scored (candidates x tokens per candidate); CPU time is`,
    `used because other jobs on the 2 cores make wall times swing by 2x from one minute to the next. Wall times are medians over`,
    `${describeGenerations(shapes)}.`,
    '',
    ...verdicts,
  ];
}

/**
 * Candidates the peer scores per model (ours always scores the whole generation): all 20 on the tiny
 * model; on 2 cores one 135M candidate takes the peer minutes, so only the first few there.
 */
const PEER_CANDIDATES: Partial<Record<Shape, number>> = { tiny: POPULATION, 'smollm-135m': 3 };

export async function benchGeneration(peerCandidates = PEER_CANDIDATES): Promise<string> {
  ensureTorchWithOpenBlas();
  const peak = cpuPeak();
  const measured: Measured[] = [];
  for (const [shape, count] of Object.entries(peerCandidates) as [Shape, number][]) measured.push(await compare(shape, count));
  const done = new Map(measured.map((m) => [pointTag(m.shape, DEFAULT_POINT), m.ours]));
  const scaling = await scalingTable(measured.map((m) => m.shape), done);

  const header = [
    '| model | implementation | candidates | s | CPU s | candidates / s | prompt tokens / s | TFLOP / candidate (counted) | GFLOP/s | of peak | peak RSS MiB | speed (wall) vs PyTorch |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const first = measured[0];
  const notes = measured.map(
    (m) =>
      `- ${m.shape}: ${m.ours.requests} prompts, ${m.ours.promptTokens} prompt tokens per candidate; ours scored the whole generation, the peer ` +
      `${m.peerCandidates < m.ours.candidates ? `its first ${m.peerCandidates} candidates (rates are per candidate)` : 'all of it'}. ` +
      `Max |Δ log-prob| ours vs PyTorch over all ${m.values} values: ${m.diff.toExponential(1)} (limit ${TOLERANCE}). ` +
      `Load average ${m.load} (other jobs shared the 2 cores); in CPU time per candidate ours is ${fixed(cpuRatio(m))}x the peer.`,
  );
  const largest = measured.at(-1)!;
  const flops1b = peerFlops1b(largest);
  const without1b =
    `- llama-3.2-1b: not in this run (a CPU budget matter, not a memory one: its fp32 weights are 6 GB). One candidate would be ` +
    `${fixed(flops1b / 1e12, 1)} TFLOP for the peer: ~${fixed(flops1b / (largest.peerFlops / largest.peer.seconds) / 60, 0)} min ` +
    `per candidate at the rate it reached on ${largest.shape} here.`;
  return [
    '## One DE generation vs PyTorch',
    '',
    `Workload: one DE generation as \`cultune train\` runs it with its defaults (${describeSettings(first.ours.settings)}, target Japan),`,
    `each candidate scored on the ${ITEMS} VSM 2013 items x the respondent variants; fp32 synthetic weights in the real layouts. Ours is`,
    '`train()` itself for one generation, in its own process (`scripts/bench-generation-worker.ts`, which records the scoring calls\'',
    `soft prompts and log-probs); the peer (\`scripts/peer/torch_llama_scoring.py\`, Debian's python3-torch ${first.peer.torch}, ${first.peer.threads} threads,`,
    `${Object.entries(TORCH_PEER_ENV).map(([k, v]) => `${k}=${v}`).join(', ')}) is`,
    'an eager Llama forward on the same weights (exported from the ONNX initializers under Hugging Face names) with inputs_embeds, right padding,',
    `length-sorted batches of ${PEER_BATCH}, full [batch, seq, vocab] logits and log_softmax at each prompt's last position. Both score one candidate`,
    `untimed first. Ours' time is one generation as train() records it (ask, scoring, losses, tell; median over ${describeGenerations(measured.map((m) => m.shape))});`,
    "the peer's covers its scoring.",
    '',
    ...header,
    ...measured.flatMap((m) => comparisonRows(m, peak.flops)),
    '',
    ...notes,
    without1b,
    '',
    `Peak estimate: ${peak.description}. FLOPs counted: 2 x matmul parameters per token position + attention 4 x heads x head_dim per`,
    'query-key pair per layer + the LM head 2 x hidden x vocab where logits are computed. Ours is credited with the task only (every real token',
    'once, causal pairs, the head at the one scored position), so its prefix reuse shows up as a higher rate; the peer with what it executes',
    '(padded positions, full S x S attention, the head at every position). Elementwise work (norms, RoPE, softmax) is not counted.',
    '',
    '### Scaling (ours)',
    '',
    ...scaling,
    '',
  ].join('\n');
}

function describeGenerations(shapes: Shape[]): string {
  return shapes.map((shape) => `${GENERATIONS[shape]} generation${GENERATIONS[shape] > 1 ? 's' : ''} on ${shape}`).join(', ');
}

function describeSettings({ search: s, softPrompt: p, instrument }: GenerationResult['settings']): string {
  const space = s.space === 'subspace' ? `BBT subspace of ${s.dim} dims` : 'full k x d space';
  const variants = (instrument.settings as { variants?: number }).variants;
  return `population ${s.pop}, k = ${p.k} soft vectors placed at ${p.placement}, ${space}, ${p.init} init, ${s.strategy}, seed ${s.seed}, ${instrument.name} with ${variants} respondent variants`;
}

/** The peer's FLOPs for one Llama-3.2-1B candidate with the batches measured on another model (same tokenizer). */
function peerFlops1b(measured: Measured): number {
  const s = SHAPES['llama-3.2-1b'];
  return flopModel({ ...s, headDim: s.hidden / s.heads }).padded(measured.peer.batches);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchGeneration());
}
