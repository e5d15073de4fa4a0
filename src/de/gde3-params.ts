import { resolveParams, type Crossover, type DEOptions, type DEParams } from './params.ts';
import type { BudgetCriteria } from './stopping.ts';
import { UserError } from '../util/errors.ts';

/** GDE3 mutates with random donors only: "best" has no meaning among mutually non-dominated members. */
export type GDE3Strategy = `${'rand/1' | 'rand/2'}/${Crossover}`;

export const GDE3_STRATEGIES: readonly GDE3Strategy[] = ['rand/1/bin', 'rand/1/exp', 'rand/2/bin', 'rand/2/exp'];

/**
 * DE's options that carry over (F defaults to 0.5 and CR to 0.2 here; the adaptive strategies' settings
 * do not apply), plus the number of objectives and a GDE3 strategy.
 */
export interface GDE3Options
  extends Pick<DEOptions, 'dim' | 'popSize' | 'seed' | 'F' | 'CR' | 'lower' | 'upper' | 'boundHandling' | 'initialPopulation'> {
  /** Number of objectives, all minimised. */
  objectives: number;
  /** Default rand/1/bin, the DE/rand/1/bin of Kukkonen & Lampinen 2005. */
  strategy?: GDE3Strategy;
  stop?: BudgetCriteria;
}

/** DE's validated parameters plus the number of objectives: a plain JSON value. */
export interface GDE3Params extends DEParams {
  objectives: number;
}

/**
 * Defaults F = 0.5, CR = 0.2, measured on ZDT1–3 and DTLZ2 at 25,000 evaluations (BENCHMARKS.md): CR 0.2
 * gave the best hypervolume on the ZDT fronts among 0.1, 0.2 and jMetal's 0.5 (0.1 did slightly better
 * on DTLZ2), and 0.5 let ZDT2's population collapse to one end of its front. These problems are
 * separable, which favours a low CR; objectives that couple their variables may want a higher one
 * (Kukkonen & Lampinen tune CR per problem).
 */
export function resolveGde3Params(options: GDE3Options): GDE3Params {
  const { objectives } = options;
  if (!Number.isInteger(objectives) || objectives < 1) throw new UserError(`objectives must be an integer >= 1, got ${objectives}`);
  const strategy = options.strategy ?? 'rand/1/bin';
  if (!GDE3_STRATEGIES.includes(strategy)) {
    throw new UserError(`GDE3 strategy must be one of ${GDE3_STRATEGIES.join(', ')}, got '${strategy}'`);
  }
  for (const key of Object.keys(options.stop ?? {})) {
    if (!['maxEvaluations', 'maxGenerations', 'maxWallMs'].includes(key)) {
      throw new UserError(`GDE3 stops on maxEvaluations, maxGenerations or maxWallMs, not ${key}`);
    }
  }
  return { ...resolveParams({ ...options, strategy, F: options.F ?? 0.5, CR: options.CR ?? 0.2 }), objectives };
}
