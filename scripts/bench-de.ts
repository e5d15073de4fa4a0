/**
 * DE benchmark: our strategies against scipy's differential_evolution on standard test functions,
 * plus the ask+tell overhead at soft-prompt scale. `benchDe()` returns a Markdown section;
 * run standalone with `node bin/run-ts.js scripts/bench-de.ts`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_STRATEGY, DifferentialEvolution, type DEOptions, type Strategy } from '../src/de/index.ts';
import { DEBIAN_PYTHON, ensurePythonModule } from './debian-python.ts';

const run = promisify(execFile);

interface TestFunction {
  name: string;
  lower: number;
  upper: number;
  f: (x: Float32Array) => number;
}

const FUNCTIONS: TestFunction[] = [
  { name: 'sphere', lower: -5.12, upper: 5.12, f: (x) => x.reduce((s, v) => s + v * v, 0) },
  {
    name: 'rosenbrock',
    lower: -5,
    upper: 10,
    f: (x) => {
      let s = 0;
      for (let j = 0; j + 1 < x.length; j++) s += 100 * (x[j + 1] - x[j] * x[j]) ** 2 + (1 - x[j]) ** 2;
      return s;
    },
  },
  {
    name: 'rastrigin',
    lower: -5.12,
    upper: 5.12,
    f: (x) => x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v) + 10, 0),
  },
  {
    name: 'ackley',
    lower: -32.768,
    upper: 32.768,
    f: (x) => {
      let squares = 0;
      let cosines = 0;
      for (const v of x) {
        squares += v * v;
        cosines += Math.cos(2 * Math.PI * v);
      }
      return -20 * Math.exp(-0.2 * Math.sqrt(squares / x.length)) - Math.exp(cosines / x.length) + 20 + Math.E;
    },
  },
];

/** Evaluation budget per dimension: what one seed of one strategy may spend (scipy included). */
const BUDGETS: Record<number, number> = { 10: 20_000, 30: 30_000, 100: 50_000 };
const DIMS = [10, 30, 100];
const SEEDS = Array.from({ length: 11 }, (_, seed) => seed);
const POP_SIZE = 50;
const STRATEGIES: Strategy[] = [
  DEFAULT_STRATEGY,
  ...(['shade', 'jade', 'rand/1/bin', 'best/1/bin', 'current-to-best/1/bin', 'rand/2/bin', 'rand/1/exp'] as const).filter(
    (s) => s !== DEFAULT_STRATEGY,
  ),
];
const SCIPY_POPSIZE = 15;

/** Python side: scipy's defaults except what the comparison fixes (strategy, popsize, budget, no polish, no tol). */
const SCIPY_SCRIPT = `
import json, sys
import numpy as np
from scipy.optimize import differential_evolution
def sphere(x): return float(np.sum(x * x))
def rosenbrock(x): return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
def rastrigin(x): return float(np.sum(x * x - 10 * np.cos(2 * np.pi * x) + 10))
def ackley(x):
    n = len(x)
    return float(-20 * np.exp(-0.2 * np.sqrt(np.sum(x * x) / n)) - np.exp(np.sum(np.cos(2 * np.pi * x)) / n) + 20 + np.e)
job = json.loads(sys.argv[1])
f = globals()[job["name"]]
out = []
for seed in job["seeds"]:
    r = differential_evolution(f, [(job["lower"], job["upper"])] * job["dim"], strategy="best1bin",
        popsize=${SCIPY_POPSIZE}, maxiter=job["maxiter"], polish=False, tol=0, seed=seed)
    out.append([float(r.fun), int(r.nfev)])
print(json.dumps(out))
`;

const PYTHON = DEBIAN_PYTHON;

function runOurs(fn: TestFunction, dim: number, strategy: Strategy, seed: number, extra: Partial<DEOptions> = {}): number {
  const de = new DifferentialEvolution({
    dim,
    popSize: POP_SIZE,
    seed,
    strategy,
    lower: fn.lower,
    upper: fn.upper,
    stop: { maxEvaluations: BUDGETS[dim] },
    ...extra,
  });
  while (!de.stopReason()) de.tell(de.ask().map(fn.f));
  return de.best.fitness;
}

async function runScipy(fn: TestFunction, dim: number): Promise<number[]> {
  // scipy evaluates popsize*dim candidates at start and per iteration: spend at most the same budget.
  const population = SCIPY_POPSIZE * dim;
  const maxiter = Math.floor(BUDGETS[dim] / population) - 1;
  const job = { name: fn.name, lower: fn.lower, upper: fn.upper, dim, maxiter, seeds: SEEDS };
  const { stdout } = await run(PYTHON, ['-c', SCIPY_SCRIPT, JSON.stringify(job)], { maxBuffer: 1 << 20 });
  const results = JSON.parse(stdout) as [number, number][];
  for (const [, nfev] of results) {
    if (nfev > BUDGETS[dim]) throw new Error(`scipy spent ${nfev} evaluations on ${fn.name} ${dim}-D, over the budget`);
  }
  return results.map(([fun]) => fun);
}

/** Runs promise factories with at most `limit` in flight. */
async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

export function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

function summary(values: number[]): { median: number; q1: number; q3: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q1: quantile(sorted, 0.25), q3: quantile(sorted, 0.75) };
}

const fmt = (v: number) => (v === 0 ? '0' : v.toExponential(2));
const cell = (values: number[]) => {
  const s = summary(values);
  return `${fmt(s.median)} [${fmt(s.q1)}, ${fmt(s.q3)}]`;
};

/** Milliseconds of ask()+tell() per candidate for popSize 32 at 40,960 dimensions (k=10 x 4096), median over generations. */
function measureOverhead(strategy: Strategy, generations = 30): number {
  const dim = 40_960;
  const popSize = 32;
  const initialPopulation = Array.from({ length: popSize }, (_, i) =>
    Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 7919 + j)),
  );
  const de = new DifferentialEvolution({ dim, popSize, seed: 1, strategy, initialPopulation, lower: -1, upper: 1 });
  const fitness = new Float64Array(popSize);
  const perCandidate: number[] = [];
  for (let g = 0; g < generations + 5; g++) {
    const start = performance.now();
    de.ask();
    // Fitness stands in for the model: random, so about half the trials replace their parent.
    for (let i = 0; i < popSize; i++) fitness[i] = Math.sin(g * 31 + i * 17);
    de.tell(fitness);
    if (g >= 5) perCandidate.push((performance.now() - start) / popSize);
  }
  return summary(perCandidate).median;
}

export async function benchDe(): Promise<string> {
  ensurePythonModule('scipy', 'python3-scipy');
  const started = performance.now();
  const scipyJobs = FUNCTIONS.flatMap((fn) => DIMS.map((dim) => ({ fn, dim })));
  // scipy runs in child processes (two at a time) while our strategies run here.
  const scipyDone = pooled(
    scipyJobs.map(({ fn, dim }) => () => runScipy(fn, dim)),
    Math.max(1, Math.min(2, cpus().length)),
  );
  const ours = new Map<string, number[]>();
  for (const { fn, dim } of scipyJobs) {
    for (const strategy of STRATEGIES) {
      ours.set(`${fn.name}/${dim}/${strategy}`, SEEDS.map((seed) => runOurs(fn, dim, strategy, seed)));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const scipy = await scipyDone;
  const overhead = STRATEGIES.slice(0, 3).map((s) => [s, measureOverhead(s)] as const);
  const seconds = (performance.now() - started) / 1000;

  const header = ['function', 'dim', 'budget', `**${DEFAULT_STRATEGY} (default)**`, 'scipy best1bin', ...STRATEGIES.slice(1)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  let wins = 0;
  let ties = 0;
  const losses: string[] = [];
  scipyJobs.forEach(({ fn, dim }, n) => {
    const defaultValues = ours.get(`${fn.name}/${dim}/${DEFAULT_STRATEGY}`)!;
    const ourMedian = summary(defaultValues).median;
    const theirMedian = summary(scipy[n]).median;
    if (ourMedian < theirMedian) wins++;
    else if (ourMedian === theirMedian) ties++;
    else losses.push(`${fn.name} ${dim}-D`);
    const others = STRATEGIES.slice(1).map((s) => cell(ours.get(`${fn.name}/${dim}/${s}`)!));
    lines.push(`| ${fn.name} | ${dim} | ${BUDGETS[dim]} | **${cell(defaultValues)}** | ${cell(scipy[n])} | ${others.join(' | ')} |`);
  });

  return [
    '## Differential evolution',
    '',
    `Best value reached, median [IQR] over ${SEEDS.length} seeds (0..${SEEDS.length - 1}), minimising; lower is better.`,
    `Ours: popSize ${POP_SIZE} for every strategy and dimension; fixed strategies use scipy's defaults F = [0.5, 1] dithered`,
    'per generation, CR = 0.7; bounds are handled by resampling between parent and bound.',
    `scipy ${scipyVersion()}: \`differential_evolution(strategy='best1bin', popsize=${SCIPY_POPSIZE}, maxiter=budget // (${SCIPY_POPSIZE}*dim) - 1,`,
    'polish=False, tol=0, seed=seed)`, other options default (latin hypercube init, dithered F = (0.5, 1), CR = 0.7, immediate updating).',
    `Budgets (evaluations per run): ${DIMS.map((d) => `${d}-D ${BUDGETS[d]}`).join(', ')}. Domains: sphere and Rastrigin [-5.12, 5.12],`,
    'Rosenbrock [-5, 10], Ackley [-32.768, 32.768].',
    '',
    ...lines,
    '',
    `Default (${DEFAULT_STRATEGY}) vs scipy, by median: better on ${wins} of ${scipyJobs.length}, equal on ${ties}` +
      (losses.length ? `, worse on ${losses.join(', ')}.` : ', worse on none.'),
    '',
    `ask()+tell() overhead, popSize 32 at 40,960 dimensions (k = 10 x d = 4096), bounds on, median ms per candidate: ` +
      overhead.map(([s, ms]) => `${s} ${ms.toFixed(3)}`).join(', ') +
      '.',
    '',
    `Whole DE benchmark: ${seconds.toFixed(0)} s.`,
  ].join('\n');
}

function scipyVersion(): string {
  return execFileSync(PYTHON, ['-c', 'import scipy; print(scipy.__version__)']).toString().trim();
}


if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchDe());
}
