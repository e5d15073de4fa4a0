import { createMemory, sampleControls, updateMemory, type Success } from './adaptation.ts';
import { addToArchive } from './archive.ts';
import { boxOf } from './bounds.ts';
import { chosenWords, CROSSOVERS } from './crossover.ts';
import { mutantTerms, pickDonors, usesGuide } from './mutation.ts';
import type { DEParams } from './params.ts';
import { Rng } from '../util/seeded-random.ts';
import type { DEState, RunState } from './state.ts';
import { buildTrial } from './trial.ts';
import { UserError } from '../util/errors.ts';

/**
 * The functional core, evosax style: `initState` builds the state record, `ask` and `tell` advance it
 * in place (copying 40,960-dimensional populations every step would cost more than the step itself).
 */
export function initState(
  params: DEParams,
  seed: string | number,
  initialPopulation: readonly ArrayLike<number>[] | undefined,
  nowMs: number,
): DEState {
  const { dim, popSize } = params;
  const archiveCapacity = params.mutation === 'current-to-pbest/1' ? Math.round(params.archiveRate * popSize) : 0;
  return {
    ...startRun(params, seed, initialPopulation, nowMs),
    fitness: new Float64Array(popSize).fill(Infinity),
    trialF: new Float64Array(popSize),
    trialCR: new Float64Array(popSize),
    archive: { vectors: new Float32Array(archiveCapacity * dim), count: 0 },
    memory: createMemory(params),
    bestVector: new Float32Array(dim),
    bestFitness: Infinity,
    lastImprovementGeneration: 0,
  };
}

/**
 * A run before its first tell(): the first generation's candidates are the given population, checked,
 * or uniform draws between the bounds.
 */
export function startRun(
  params: DEParams,
  seed: string | number,
  initialPopulation: readonly ArrayLike<number>[] | undefined,
  nowMs: number,
): RunState {
  const { dim, popSize } = params;
  const rng = Rng.fromSeed(seed);
  const trials = new Float32Array(popSize * dim);
  if (initialPopulation) {
    if (initialPopulation.length !== popSize) {
      throw new UserError(`initialPopulation has ${initialPopulation.length} vectors, expected popSize ${popSize}`);
    }
    initialPopulation.forEach((vector, i) => {
      if (vector.length !== dim) throw new UserError(`initialPopulation[${i}] has ${vector.length} values, expected ${dim}`);
      for (let j = 0; j < dim; j++) {
        if (!Number.isFinite(vector[j])) throw new UserError(`initialPopulation[${i}][${j}] is not a finite number`);
      }
      trials.set(vector, i * dim);
    });
  } else {
    const lower = params.lower!;
    const upper = params.upper!;
    for (let i = 0; i < popSize; i++) {
      for (let j = 0; j < dim; j++) trials[i * dim + j] = lower[j] + rng.uniform() * (upper[j] - lower[j]);
    }
  }
  return {
    rng: rng.state(),
    awaitingFitness: false,
    generation: 0,
    evaluations: 0,
    invalidEvaluations: 0,
    population: new Float32Array(popSize * dim),
    trials,
    startedAtMs: nowMs,
  };
}

/**
 * The candidates to evaluate next, as views into `state.trials` (valid until the next tell()).
 * Asking again before tell() returns the same candidates, so a run checkpointed between the two
 * resumes cleanly.
 */
export function ask(state: DEState, params: DEParams): Float32Array[] {
  if (!state.awaitingFitness && state.generation > 0) breed(state, params);
  state.awaitingFitness = true;
  return rows(state.trials, params.dim);
}

function breed(state: DEState, params: DEParams): void {
  const rng = Rng.fromState(state.rng);
  breedTrials(params, rng, state, rankByFitness(state.fitness));
  state.rng = rng.state();
}

/** What breeding reads and writes: the parents, JADE's archive and F/CR memory, and the trials with their controls. */
export type Brood = Pick<DEState, 'population' | 'archive' | 'memory' | 'trials' | 'trialF' | 'trialCR'>;

/**
 * One trial per member of `brood.population` into `brood.trials`: controls, then per member the
 * guide, donors, crossover and trial, drawn from `rng` in that order. `ranked` lists the members
 * from best to worst; only the mutations steered by the best or a pbest read it.
 */
export function breedTrials(params: DEParams, rng: Rng, brood: Brood, ranked: readonly number[]): void {
  const { dim, popSize, mutation } = params;
  const population = rows(brood.population, dim);
  const archived = rows(brood.archive.vectors.subarray(0, brood.archive.count * dim), dim);
  const pool = population.concat(archived);
  const box = boxOf(params);
  const crossover = CROSSOVERS[params.crossover];
  const chosen = new Int32Array(chosenWords(dim));
  sampleControls(params, brood.memory, rng, brood.trialF, brood.trialCR);
  for (let i = 0; i < popSize; i++) {
    const guide = usesGuide(mutation) ? population[ranked[guideRank(params, rng)]] : population[i];
    const donors = pickDonors(mutation, rng, i, popSize, brood.archive.count).map((index) => pool[index]);
    const mutant = mutantTerms(mutation, brood.trialF[i], population[i], guide, donors);
    const trial = brood.trials.subarray(i * dim, (i + 1) * dim);
    crossover(chosen, dim, brood.trialCR[i], rng);
    buildTrial(trial, population[i], mutant, chosen, box, rng);
  }
}

/**
 * Rank (0 = best) of the member that guides the mutation: the best for best/1 and current-to-best/1;
 * for current-to-pbest/1 a random one of the top max(1, round(p N)), with p = pBest, or for SHADE p
 * drawn uniformly in [2/N, 0.2] per individual (Tanabe & Fukunaga 2013).
 */
function guideRank(params: DEParams, rng: Rng): number {
  if (params.mutation !== 'current-to-pbest/1') return 0;
  const N = params.popSize;
  const p = params.adaptation === 'shade' ? 2 / N + rng.uniform() * Math.max(0, 0.2 - 2 / N) : params.pBest;
  return rng.below(Math.max(1, Math.round(p * N)));
}

/** Records the fitness of the candidates from the last ask(); NaN and infinities count as the worst value. */
export function tell(state: DEState, params: DEParams, fitness: ArrayLike<number>): void {
  const { dim, popSize } = params;
  if (!state.awaitingFitness) throw new UserError('tell() called without a pending ask()');
  if (fitness.length !== popSize) throw new UserError(`tell() got ${fitness.length} fitness values, expected ${popSize}`);
  const rng = Rng.fromState(state.rng);
  const successes: Success[] = [];
  const initial = state.generation === 0;
  const improvedBefore = state.bestFitness;
  for (let i = 0; i < popSize; i++) {
    const value = Number.isFinite(fitness[i]) ? fitness[i] : Infinity;
    if (value === Infinity) state.invalidEvaluations++;
    const trial = state.trials.subarray(i * dim, (i + 1) * dim);
    const parentFitness = state.fitness[i];
    // Ties replace the parent too: it lets the population drift across plateaus (Storn & Price).
    if (!initial && value > parentFitness) continue;
    if (!initial && value < parentFitness) {
      addToArchive(state.archive, state.population.subarray(i * dim, (i + 1) * dim), rng);
      successes.push({ F: state.trialF[i], CR: state.trialCR[i], improvement: parentFitness - value });
    }
    state.population.set(trial, i * dim);
    state.fitness[i] = value;
    if (value < state.bestFitness || (initial && i === 0)) {
      state.bestFitness = value;
      state.bestVector.set(trial);
    }
  }
  updateMemory(params, state.memory, successes);
  state.generation++;
  state.evaluations += popSize;
  if (state.bestFitness < improvedBefore) state.lastImprovementGeneration = state.generation;
  state.awaitingFitness = false;
  state.rng = rng.state();
}

/** A flat row-major array as views of its rows. */
export function rows(flat: Float32Array, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let offset = 0; offset < flat.length; offset += dim) out.push(flat.subarray(offset, offset + dim));
  return out;
}

function rankByFitness(fitness: Float64Array): number[] {
  return Array.from(fitness.keys()).sort((a, b) => fitness[a] - fitness[b] || a - b);
}
