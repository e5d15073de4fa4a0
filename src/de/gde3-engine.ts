import { createMemory } from './adaptation.ts';
import { breedTrials, rows, startRun } from './engine.ts';
import type { GDE3Params } from './gde3-params.ts';
import type { GDE3State } from './gde3-state.ts';
import { dominates, nonDominatedFronts, survivors, weaklyDominates } from './pareto.ts';
import { Rng } from '../util/seeded-random.ts';
import { UserError } from '../util/errors.ts';

/**
 * GDE3's functional core (Kukkonen & Lampinen 2005, "GDE3: The third Evolution Step of Generalized
 * Differential Evolution", IEEE CEC 2005:443–450), in the ask/tell shape of engine.ts: `initGde3State`
 * builds the state record, `askGde3` and `tellGde3` advance it in place.
 */
export function initGde3State(
  params: GDE3Params,
  seed: string | number,
  initialPopulation: readonly ArrayLike<number>[] | undefined,
  nowMs: number,
): GDE3State {
  const { popSize, objectives } = params;
  return {
    ...startRun(params, seed, initialPopulation, nowMs),
    objectives: new Float64Array(popSize * objectives).fill(Infinity),
  };
}

/**
 * The candidates to evaluate next, as views into `state.trials` (valid until the next tell()): one DE
 * trial per member, built exactly as single-objective DE builds it. Asking again before tell() returns
 * the same candidates.
 */
export function askGde3(state: GDE3State, params: GDE3Params): Float32Array[] {
  if (!state.awaitingFitness && state.generation > 0) {
    const rng = Rng.fromState(state.rng);
    const { popSize } = params;
    const brood = {
      population: state.population,
      archive: { vectors: new Float32Array(0), count: 0 },
      memory: createMemory(params),
      trials: state.trials,
      trialF: new Float64Array(popSize),
      trialCR: new Float64Array(popSize),
    };
    breedTrials(params, rng, brood, []);
    state.rng = rng.state();
  }
  state.awaitingFitness = true;
  return rows(state.trials, params.dim);
}

/**
 * Records the objective values of the candidates from the last ask(), `values[candidate][objective]`,
 * and selects the next population. GDE3's selection, per trial against its own parent: the trial
 * replaces the parent if it weakly dominates it; the parent stays alone if it dominates the trial;
 * otherwise both go on. The population, now between NP and 2 NP members, is cut back to NP by
 * non-dominated sorting and crowding distance (see `survivors`). A candidate with any NaN or infinite
 * objective counts as +Infinity in all of them, so it never sits on a front beside valid points.
 */
export function tellGde3(state: GDE3State, params: GDE3Params, values: readonly ArrayLike<number>[]): void {
  const { dim, popSize, objectives: m } = params;
  if (!state.awaitingFitness) throw new UserError('tell() called without a pending ask()');
  if (values.length !== popSize) throw new UserError(`tell() got ${values.length} candidates' objectives, expected ${popSize}`);
  // Slots 0..NP-1 hold the parents, NP..2NP-1 the trials.
  const pool = new Float64Array(2 * popSize * m);
  pool.set(state.objectives);
  values.forEach((row, i) => {
    if (row.length !== m) throw new UserError(`tell() got ${row.length} objectives for candidate ${i}, expected ${m}`);
    const valid = Array.prototype.every.call(row, Number.isFinite);
    if (!valid) state.invalidEvaluations++;
    for (let j = 0; j < m; j++) pool[(popSize + i) * m + j] = valid ? row[j] : Infinity;
  });
  const trialSlot = (i: number) => popSize + i;
  let entrants: number[];
  if (state.generation === 0) {
    entrants = Array.from({ length: popSize }, (_, i) => trialSlot(i));
  } else {
    const kept: number[] = [];
    const extra: number[] = [];
    for (let i = 0; i < popSize; i++) {
      if (weaklyDominates(pool, trialSlot(i), i, m)) kept.push(trialSlot(i));
      else if (dominates(pool, i, trialSlot(i), m)) kept.push(i);
      else {
        kept.push(i);
        extra.push(trialSlot(i));
      }
    }
    entrants = kept.concat(extra);
  }
  const entrantValues = new Float64Array(entrants.length * m);
  entrants.forEach((slot, n) => entrantValues.set(pool.subarray(slot * m, (slot + 1) * m), n * m));
  const chosen = survivors(entrantValues, entrants.length, m, popSize).map((n) => entrants[n]);
  const population = state.population.slice();
  chosen.forEach((slot, i) => {
    const source = slot < popSize ? population.subarray(slot * dim, (slot + 1) * dim) : state.trials.subarray((slot - popSize) * dim, (slot - popSize + 1) * dim);
    state.population.set(source, i * dim);
    state.objectives.set(pool.subarray(slot * m, (slot + 1) * m), i * m);
  });
  state.generation++;
  state.evaluations += popSize;
  state.awaitingFitness = false;
}

/** Indices of the population's non-dominated members with valid (finite) objectives, ascending. */
export function frontIndices(state: GDE3State, params: GDE3Params): number[] {
  const { popSize, objectives: m } = params;
  const [first = []] = nonDominatedFronts(state.objectives, popSize, m);
  return first.filter((i) => Number.isFinite(state.objectives[i * m]));
}
