import type { RunState } from './state.ts';

/**
 * What the optimiser classes share: their parameters, their state value and its counters. A subclass
 * adds ask/tell and what its fitness means; fromJSON revives one with Object.create and the restored
 * { params, state }, so the constructor is for fresh runs only.
 */
export abstract class AskTellRun<Params, State extends RunState> {
  constructor(
    readonly params: Readonly<Params>,
    protected readonly state: State,
  ) {}

  /** Completed tell() calls, the initial population's included. */
  get generation(): number {
    return this.state.generation;
  }

  get evaluations(): number {
    return this.state.evaluations;
  }

  get invalidEvaluations(): number {
    return this.state.invalidEvaluations;
  }
}
