import type { Scorer } from '../model/types.ts';
import { evaluateCulturalBench } from './evaluate.ts';
import type { EasyQuestion } from './types.ts';

export interface Throughput {
  questions: number;
  requests: number;
  seconds: number;
  questionsPerSecond: number;
}

/**
 * Times unconditioned Easy questions on a model, each asked as the CulturalBench command asks it
 * (four rotations by letter plus one cloze request): what BENCHMARKS.md reports.
 */
export async function measureEasyThroughput(scorer: Scorer, questions: readonly EasyQuestion[]): Promise<Throughput> {
  const result = await evaluateCulturalBench(scorer, { easy: questions, hard: [] }, { condition: {}, datasetCountries: [] });
  return {
    questions: questions.length,
    requests: result.requests,
    seconds: result.seconds,
    questionsPerSecond: questions.length / result.seconds,
  };
}
