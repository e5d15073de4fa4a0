import type { Placement, ScoreOptions, ScoreRequest, Scorer, SoftPrompt } from '../model/types.ts';

/**
 * The one place the instruments, CulturalBench and the knowledge objective call the scorer to score
 * requests: the same requests under each of `softPrompts` (undefined: none), one result per prompt. A
 * single prompt is one `score` call (with its progress); several go through `scoreCandidates` in one
 * pass where the scorer has it (a population shares the prefix tree), else one call each.
 */
export async function scoreUnderPrompts(
  scorer: Scorer,
  requests: ScoreRequest[],
  softPrompts: readonly (SoftPrompt | undefined)[],
  options: { placement?: Placement; onProgress?: ScoreOptions['onProgress'] } = {},
): Promise<number[][][]> {
  if (softPrompts.length === 1) return [await scorer.score(requests, { ...options, softPrompt: softPrompts[0] })];
  if (scorer.scoreCandidates) return scorer.scoreCandidates(requests, softPrompts, { placement: options.placement });
  const results: number[][][] = [];
  for (const softPrompt of softPrompts) results.push(await scorer.score(requests, { ...options, softPrompt }));
  return results;
}
