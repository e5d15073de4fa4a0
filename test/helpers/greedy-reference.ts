import type { Placement, Scorer, SoftPrompt } from '../../src/model/types.ts';

/**
 * Greedy decoding with no KV cache: every step scores the prompt plus the tokens so far against every
 * token of the vocabulary as a one-token option, and keeps the most likely (the lowest id among equals).
 * The independent computation the generator (KV-cache steps, ArgMax in the graph) is checked against.
 * Exact token equality is safe on the tests' seeded models: along their texts the two most likely
 * tokens stay at least 5e-4 apart in log-probability (measured), far above the two paths' rounding.
 */
export async function greedyByRescoring(
  scorer: Scorer,
  ids: readonly number[],
  softPrompt: SoftPrompt | undefined,
  placement: Placement,
  maxNewTokens: number,
  stopIds: readonly number[],
  vocab = scorer.tokenizer.vocabSize,
): Promise<number[]> {
  const everyToken = Array.from({ length: vocab }, (_, id) => [id]);
  const generated: number[] = [];
  while (generated.length < maxNewTokens) {
    const [logprobs] = await scorer.score([{ ids: [...ids, ...generated], options: everyToken }], { softPrompt, placement });
    let best = 0;
    for (let id = 1; id < logprobs.length; id++) if (logprobs[id] > logprobs[best]) best = id;
    if (stopIds.includes(best)) break;
    generated.push(best);
  }
  return generated;
}
