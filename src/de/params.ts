import { UserError } from '../util/errors.ts';

export const MUTATIONS = ['rand/1', 'best/1', 'current-to-best/1', 'rand/2', 'current-to-pbest/1'] as const;
export type Mutation = (typeof MUTATIONS)[number];
export type Crossover = 'bin' | 'exp';
/** How F and CR are chosen: fixed by the user, or self-adapted per individual (JADE, SHADE). */
export type Adaptation = 'none' | 'jade' | 'shade';

/**
 * `mutation/crossover` (e.g. `rand/1/bin`, `current-to-best/1/exp`) with fixed or dithered F and CR,
 * or one of the self-adaptive variants, both current-to-pbest/1/bin with an archive.
 */
export type Strategy = 'shade' | 'jade' | `${Mutation}/${Crossover}`;

export const DEFAULT_STRATEGY: Strategy = 'shade';

/**
 * Out-of-bounds handling for a trial coordinate: leave it, clip to the bound, mirror it back inside,
 * or draw it uniformly between the parent's coordinate and the violated bound.
 */
export type BoundHandling = 'none' | 'clip' | 'reflect' | 'resample';

export interface StopCriteria {
  /** Never evaluate more than this many candidates (a generation that would exceed it is not asked). */
  maxEvaluations?: number;
  /** Number of tell() calls, the initial population's included. */
  maxGenerations?: number;
  /** Stop once the best fitness is at or below this value. */
  targetFitness?: number;
  /** Stop after this many generations without the best fitness improving. */
  stagnationGenerations?: number;
  /** Stop once this much time has passed since the run started (resumes included). */
  maxWallMs?: number;
}

export interface DEOptions {
  dim: number;
  /** Number of candidates per generation: an absolute number, never a multiple of `dim`. */
  popSize: number;
  seed: string | number;
  strategy?: Strategy;
  /** Scale factor, or a [min, max] dither range redrawn once per generation (scipy's convention). Ignored by jade/shade. */
  F?: number | readonly [number, number];
  /** Crossover rate. Ignored by jade/shade. */
  CR?: number;
  /** Fraction of the population that current-to-pbest/1 picks its "pbest" from (JADE's p; SHADE draws p in [2/N, 0.2]). */
  pBest?: number;
  /** Archive capacity as a multiple of popSize for current-to-pbest/1 (0 disables the archive). */
  archiveRate?: number;
  /** SHADE's history length H. */
  memorySize?: number;
  /** JADE's learning rate c. */
  jadeLearningRate?: number;
  lower?: number | ArrayLike<number>;
  upper?: number | ArrayLike<number>;
  /** Default: `resample` when bounds are given, else `none`. */
  boundHandling?: BoundHandling;
  /** Starting population (popSize vectors of length dim); otherwise uniform between the bounds. */
  initialPopulation?: readonly ArrayLike<number>[];
  stop?: StopCriteria;
}

/** The validated, immutable parameters of a run: a plain JSON value. */
export interface DEParams {
  dim: number;
  popSize: number;
  strategy: Strategy;
  mutation: Mutation;
  crossover: Crossover;
  adaptation: Adaptation;
  F: number | [number, number];
  CR: number;
  pBest: number;
  archiveRate: number;
  memorySize: number;
  jadeLearningRate: number;
  /** Per-dimension bounds, rounded inwards to float32 so stored candidates never leave them; null when unbounded. */
  lower: number[] | null;
  upper: number[] | null;
  boundHandling: BoundHandling;
  stop: StopCriteria;
}

/** Fewest members each mutation needs: the target plus its distinct random partners. */
const MIN_POP: Record<Mutation, number> = {
  'rand/1': 4,
  'best/1': 3,
  'current-to-best/1': 3,
  'rand/2': 6,
  'current-to-pbest/1': 3,
};

export function parseStrategy(strategy: Strategy): Pick<DEParams, 'mutation' | 'crossover' | 'adaptation'> {
  if (strategy === 'shade' || strategy === 'jade') {
    return { mutation: 'current-to-pbest/1', crossover: 'bin', adaptation: strategy };
  }
  const cut = strategy.lastIndexOf('/');
  const mutation = strategy.slice(0, cut) as Mutation;
  const crossover = strategy.slice(cut + 1) as Crossover;
  if (!MUTATIONS.includes(mutation) || (crossover !== 'bin' && crossover !== 'exp')) {
    throw new UserError(`unknown DE strategy '${strategy}' (use shade, jade, or <${MUTATIONS.join('|')}>/<bin|exp>)`);
  }
  return { mutation, crossover, adaptation: 'none' };
}

/** The strategy's parts, once it is known and the population is large enough for its mutation. */
export function checkStrategy(strategy: Strategy, popSize: number): Pick<DEParams, 'mutation' | 'crossover' | 'adaptation'> {
  const parsed = parseStrategy(strategy);
  if (popSize < MIN_POP[parsed.mutation]) {
    throw new UserError(`strategy ${strategy} needs popSize >= ${MIN_POP[parsed.mutation]}, got ${popSize}`);
  }
  return parsed;
}

export function resolveParams(options: DEOptions): DEParams {
  const { dim, popSize } = options;
  requireInteger('dim', dim, 1);
  requireInteger('popSize', popSize, 1);
  const strategy = options.strategy ?? DEFAULT_STRATEGY;
  const parsed = checkStrategy(strategy, popSize);
  const F = options.F ?? [0.5, 1];
  if (typeof F === 'number' ? !(F > 0 && F <= 2) : !(F[0] > 0 && F[0] <= F[1] && F[1] <= 2)) {
    throw new UserError(`F must be in (0, 2] or a range [min, max] inside it, got ${JSON.stringify(F)}`);
  }
  const CR = options.CR ?? 0.7;
  requireRange('CR', CR, 0, 1);
  const pBest = options.pBest ?? 0.05;
  requireRange('pBest', pBest, 0, 1);
  const archiveRate = options.archiveRate ?? 1;
  requireRange('archiveRate', archiveRate, 0, 10);
  const memorySize = options.memorySize ?? 10;
  requireInteger('memorySize', memorySize, 1);
  const jadeLearningRate = options.jadeLearningRate ?? 0.1;
  requireRange('jadeLearningRate', jadeLearningRate, 0, 1);

  const lower = options.lower === undefined ? null : expandBound('lower', options.lower, dim, 'up');
  const upper = options.upper === undefined ? null : expandBound('upper', options.upper, dim, 'down');
  if ((lower === null) !== (upper === null)) throw new UserError('give both lower and upper bounds, or neither');
  if (lower && upper && lower.some((l, j) => !(l < upper[j]))) {
    throw new UserError('every lower bound must be below its upper bound');
  }
  const boundHandling = options.boundHandling ?? (lower ? 'resample' : 'none');
  if (boundHandling !== 'none' && !lower) throw new UserError(`boundHandling '${boundHandling}' needs lower and upper bounds`);
  if (!options.initialPopulation && !(lower && upper && lower.every(Number.isFinite) && upper.every(Number.isFinite))) {
    throw new UserError('give an initialPopulation, or finite lower and upper bounds to draw one from');
  }
  const stop = { ...options.stop };
  for (const [key, value] of Object.entries(stop)) {
    if (value !== undefined && key !== 'targetFitness' && !(value > 0)) throw new UserError(`stop.${key} must be positive, got ${value}`);
  }
  return {
    dim,
    popSize,
    strategy,
    ...parsed,
    F: typeof F === 'number' ? F : [F[0], F[1]],
    CR,
    pBest,
    archiveRate,
    memorySize,
    jadeLearningRate,
    lower,
    upper,
    boundHandling,
    stop,
  };
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new UserError(`${name} must be an integer >= ${min}, got ${value}`);
}

function requireRange(name: string, value: number, min: number, max: number): void {
  if (!(value >= min && value <= max)) throw new UserError(`${name} must be in [${min}, ${max}], got ${value}`);
}

/**
 * A bound as one number per dimension, rounded to a float32 value on the inner side so that a
 * coordinate clipped to it in double precision stays inside once stored in a Float32Array.
 */
function expandBound(name: string, bound: number | ArrayLike<number>, dim: number, inward: 'up' | 'down'): number[] {
  const values = typeof bound === 'number' ? new Array<number>(dim).fill(bound) : Array.from(bound);
  if (values.length !== dim) throw new UserError(`${name} bound has ${values.length} values, expected ${dim}`);
  return values.map((value) => {
    if (Number.isNaN(value)) throw new UserError(`${name} bound is NaN`);
    const rounded = Math.fround(value);
    if (rounded === value || !Number.isFinite(value)) return value;
    return inward === 'up' ? (rounded < value ? nextFloat32(rounded, 1) : rounded) : rounded > value ? nextFloat32(rounded, -1) : rounded;
  });
}

function nextFloat32(value: number, direction: 1 | -1): number {
  const bits = new Float32Array([value]);
  const view = new Int32Array(bits.buffer);
  // Adjacent float32 values differ by one in their bit pattern (sign-magnitude order).
  if (value === 0) return direction * 2 ** -149;
  view[0] += (value > 0) === (direction > 0) ? 1 : -1;
  return bits[0];
}
