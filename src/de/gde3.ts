import { askGde3, frontIndices, initGde3State, tellGde3 } from './gde3-engine.ts';
import { resolveGde3Params, type GDE3Options, type GDE3Params } from './gde3-params.ts';
import type { GDE3State } from './gde3-state.ts';
import { AskTellRun } from './run.ts';
import { gde3Snapshot, restoreGde3, type GDE3Snapshot } from './serialise.ts';
import { budgetStopReason, type StopReason } from './stopping.ts';

/** Members of a population: vectors with their objective values, row by row (copies). */
export interface Members {
  vectors: Float32Array[];
  objectives: number[][];
}

/**
 * Multi-objective differential evolution with an ask/tell interface: GDE3 (Kukkonen & Lampinen 2005,
 * "GDE3: The third Evolution Step of Generalized Differential Evolution", IEEE CEC 2005:443–450) with
 * NSGA-II's non-dominated sorting and crowding distance (Deb et al. 2002) to keep the population at NP.
 *
 *   const gde3 = new GDE3({ dim: 30, popSize: 100, objectives: 2, seed: 1, lower: 0, upper: 1 });
 *   while (!gde3.stopReason()) gde3.tell(await scoreAll(gde3.ask()));   // [candidate][objective]
 *   const { vectors, objectives } = gde3.front;
 *
 * Minimises every objective. With one objective it is DE/rand/1/bin with ties replacing the parent.
 * The state is a plain value (see GDE3State); toJSON()/fromJSON() carry the generator's state, so a
 * resumed run continues bit for bit.
 */
export class GDE3 extends AskTellRun<GDE3Params, GDE3State> {
  /** `nowMs` starts the wall-clock budget. */
  constructor(options: GDE3Options, nowMs: number = Date.now()) {
    const params = resolveGde3Params(options);
    super(params, initGde3State(params, options.seed, options.initialPopulation, nowMs));
  }

  static fromJSON(json: unknown): GDE3 {
    return Object.assign(Object.create(GDE3.prototype) as GDE3, restoreGde3(json));
  }

  /** The candidates to evaluate (views into the optimiser's buffer, valid until the next tell()). */
  ask(): Float32Array[] {
    return askGde3(this.state, this.params);
  }

  /** Objective values of the candidates from ask(), `[candidate][objective]`, same order; lower is better. */
  tell(values: readonly ArrayLike<number>[]): void {
    tellGde3(this.state, this.params, values);
  }

  /** Why the run should stop, or null. `nowMs` is only read for the wall-clock limit. */
  stopReason(nowMs: number = Date.now()): StopReason | null {
    return budgetStopReason(this.params.stop, this.params.popSize, this.state, nowMs);
  }

  get population(): Members {
    return this.members(Array.from({ length: this.params.popSize }, (_, i) => i));
  }

  /** The final answer: the non-dominated members with valid objectives, in population order. */
  get front(): Members {
    return this.members(frontIndices(this.state, this.params));
  }

  toJSON(): GDE3Snapshot {
    return gde3Snapshot(this.params, this.state);
  }

  private members(indices: readonly number[]): Members {
    const { dim, objectives: m } = this.params;
    return {
      vectors: indices.map((i) => this.state.population.slice(i * dim, (i + 1) * dim)),
      objectives: indices.map((i) => Array.from(this.state.objectives.subarray(i * m, (i + 1) * m))),
    };
  }
}
