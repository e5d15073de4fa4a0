export { DifferentialEvolution } from './differential-evolution.ts';
export { DEFAULT_STRATEGY, MUTATIONS, parseStrategy, resolveParams } from './params.ts';
export type { Adaptation, BoundHandling, Crossover, DEOptions, DEParams, Mutation, StopCriteria, Strategy } from './params.ts';
export type { DEState } from './state.ts';
export type { DESnapshot } from './serialise.ts';
export type { StopReason } from './stopping.ts';
export { ask, initState, tell } from './engine.ts';
export { stopReason } from './stopping.ts';
