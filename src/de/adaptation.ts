import type { DEParams } from './params.ts';
import type { RandomSource } from '../util/seeded-random.ts';

/**
 * Success memory of F and CR. JADE keeps one running mean pair (length 1); SHADE keeps H slots
 * updated round-robin. Unused when F and CR are fixed.
 */
export interface ControlMemory {
  F: Float64Array;
  CR: Float64Array;
  next: number;
}

/** One trial that beat its parent: the controls it used and by how much it improved. */
export interface Success {
  F: number;
  CR: number;
  improvement: number;
}

export function createMemory(params: DEParams): ControlMemory {
  const length = params.adaptation === 'shade' ? params.memorySize : 1;
  return { F: new Float64Array(length).fill(0.5), CR: new Float64Array(length).fill(0.5), next: 0 };
}

/**
 * Draws each trial's F and CR. Fixed strategies use F (or one dither draw per generation, as scipy
 * does) and CR. JADE and SHADE draw per individual around a memory slot: CR ~ N(M_CR, 0.1) clipped
 * to [0, 1], F ~ Cauchy(M_F, 0.1) redrawn while <= 0 and truncated to 1.
 */
export function sampleControls(
  params: DEParams,
  memory: ControlMemory,
  rng: RandomSource,
  outF: Float64Array,
  outCR: Float64Array,
): void {
  if (params.adaptation === 'none') {
    const F = typeof params.F === 'number' ? params.F : params.F[0] + rng.uniform() * (params.F[1] - params.F[0]);
    outF.fill(F);
    outCR.fill(params.CR);
    return;
  }
  for (let i = 0; i < outF.length; i++) {
    const slot = memory.F.length === 1 ? 0 : rng.below(memory.F.length);
    outCR[i] = Math.min(1, Math.max(0, rng.normal(memory.CR[slot], 0.1)));
    let F: number;
    do F = rng.cauchy(memory.F[slot], 0.1);
    while (!(F > 0));
    outF[i] = Math.min(1, F);
  }
}

/**
 * Moves the memory towards the controls of this generation's successful trials.
 * JADE: mu <- (1 - c) mu + c * mean, arithmetic mean for CR and Lehmer mean for F.
 * SHADE: the next slot becomes the improvement-weighted arithmetic mean of CR and weighted Lehmer
 * mean of F, so controls that produced large gains count most.
 */
export function updateMemory(params: DEParams, memory: ControlMemory, successes: readonly Success[]): void {
  if (params.adaptation === 'none' || successes.length === 0) return;
  const weights = params.adaptation === 'shade' ? improvementWeights(successes) : successes.map(() => 1 / successes.length);
  let meanCR = 0;
  let sumF = 0;
  let sumF2 = 0;
  successes.forEach((s, n) => {
    meanCR += weights[n] * s.CR;
    sumF += weights[n] * s.F;
    sumF2 += weights[n] * s.F * s.F;
  });
  const lehmerF = sumF2 / sumF;
  if (params.adaptation === 'jade') {
    const c = params.jadeLearningRate;
    memory.CR[0] = (1 - c) * memory.CR[0] + c * meanCR;
    memory.F[0] = (1 - c) * memory.F[0] + c * lehmerF;
    return;
  }
  memory.CR[memory.next] = meanCR;
  memory.F[memory.next] = lehmerF;
  memory.next = (memory.next + 1) % memory.F.length;
}

/** Weights proportional to improvement; an improvement from an invalid (infinite) parent outweighs all finite ones. */
function improvementWeights(successes: readonly Success[]): number[] {
  const infinite = successes.filter((s) => !Number.isFinite(s.improvement)).length;
  if (infinite > 0) return successes.map((s) => (Number.isFinite(s.improvement) ? 0 : 1 / infinite));
  const total = successes.reduce((sum, s) => sum + s.improvement, 0);
  if (total === 0) return successes.map(() => 1 / successes.length);
  return successes.map((s) => s.improvement / total);
}
