import { ask, initState, tell } from './engine.ts';
import { resolveParams, type DEOptions, type DEParams } from './params.ts';
import { AskTellRun } from './run.ts';
import { restore, snapshot, type DESnapshot } from './serialise.ts';
import type { DEState } from './state.ts';
import { stopReason, type StopReason } from './stopping.ts';

/**
 * Differential evolution with an ask/tell interface: the optimiser never calls the objective.
 *
 *   const de = new DifferentialEvolution({ dim: 500, popSize: 20, seed: 1, lower: -1, upper: 1 });
 *   while (!de.stopReason()) de.tell(await scoreAll(de.ask()));
 *
 * Minimises. Strategies: rand/1, best/1, current-to-best/1, rand/2 with binomial or exponential
 * crossover (Storn & Price 1997, "Differential Evolution – A Simple and Efficient Heuristic for Global
 * Optimization over Continuous Spaces", J. Global Optimization 11:341–359); JADE, current-to-pbest/1
 * with an archive of defeated parents and adaptive F/CR (Zhang & Sanderson 2009, "JADE: Adaptive
 * Differential Evolution With Optional External Archive", IEEE TEVC 13(5):945–958); and SHADE, the
 * same mutation with a success-history memory of F/CR (Tanabe & Fukunaga 2013, "Success-History Based
 * Parameter Adaptation for Differential Evolution", IEEE CEC 2013:71–78), the default.
 *
 * The state is a plain value (see DEState); this class only pairs it with its parameters.
 * toJSON()/fromJSON() carry the generator's state, so a resumed run continues bit for bit.
 */
export class DifferentialEvolution extends AskTellRun<DEParams, DEState> {
  /** `nowMs` starts the wall-clock budget. */
  constructor(options: DEOptions, nowMs: number = Date.now()) {
    const params = resolveParams(options);
    super(params, initState(params, options.seed, options.initialPopulation, nowMs));
  }

  static fromJSON(json: unknown): DifferentialEvolution {
    return Object.assign(Object.create(DifferentialEvolution.prototype) as DifferentialEvolution, restore(json));
  }

  /** The candidates to evaluate (views into the optimiser's buffer, valid until the next tell()). */
  ask(): Float32Array[] {
    return ask(this.state, this.params);
  }

  /** Fitness of the candidates from ask(), same order; lower is better, NaN/±Infinity count as worst. */
  tell(fitness: ArrayLike<number>): void {
    tell(this.state, this.params, fitness);
  }

  /** Why the run should stop, or null. `nowMs` is only read for the wall-clock limit. */
  stopReason(nowMs: number = Date.now()): StopReason | null {
    return stopReason(this.params.stop, this.params.popSize, this.state, nowMs);
  }

  get best(): { vector: Float32Array; fitness: number } {
    return { vector: this.state.bestVector.slice(), fitness: this.state.bestFitness };
  }

  /** The current population and its fitness, row by row (copies). */
  get population(): { vectors: Float32Array[]; fitness: number[] } {
    const { dim, popSize } = this.params;
    const vectors = Array.from({ length: popSize }, (_, i) => this.state.population.slice(i * dim, (i + 1) * dim));
    return { vectors, fitness: Array.from(this.state.fitness) };
  }

  toJSON(): DESnapshot {
    return snapshot(this.params, this.state);
  }
}
