import type { Availability } from '../culturalbench/index.ts';
import type { EvalCondition } from '../eval/conditions.ts';
import { evaluateSubject, runSubject, type EvalOptions } from '../eval/evaluate-run.ts';
import type { LoadedModel } from '../model/index.ts';
import { VERSION } from '../util/version.ts';

/** One condition of a run folder to evaluate, with where CulturalBench comes from; the bootstrap defaults to seed '0', 1000 resamples. */
export interface RunEvalRequest extends Partial<Omit<EvalOptions, 'culturalBench' | 'version'>> {
  runDir: string;
  condition: EvalCondition;
  culturalBench: Availability;
}

/** Evaluates one condition of a run folder and writes its records beside the run: what a queue worker, `demo` and the library's evaluate() run. */
export function evaluateRun(model: LoadedModel, request: RunEvalRequest): ReturnType<typeof evaluateSubject> {
  const { runDir, condition, ...options } = request;
  return evaluateSubject(model, runSubject(runDir, condition), { ...options, seed: options.seed ?? '0', bootstrap: options.bootstrap ?? 1000, version: VERSION });
}
