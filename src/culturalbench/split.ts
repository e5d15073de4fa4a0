import { UserError } from '../util/errors.ts';
import { seededSplit } from '../util/seeded-split.ts';
import type { EasyQuestion } from './types.ts';

/**
 * A fixed division of one country's CulturalBench questions into the half a search may look at
 * (`train`) and the half it never sees (`heldOut`), by question id, so an Easy question and its Hard
 * twin (same `question_idx`) always fall on the same side. Stored in the run, so the number reported
 * for a tuned prompt comes from questions that did not steer its search.
 */
export interface QuestionSplit {
  country: string;
  seed: string;
  /** Ascending question ids. */
  train: number[];
  heldOut: number[];
}

/**
 * Splits the ids 50/50 (the training half gets the odd one out): the distinct ids in ascending order,
 * shuffled by the seeded split (src/util/seeded-split.ts) keyed by `seed` and the country, the first
 * half to training. The same seed, country and ids give the same split on every machine.
 */
export function splitQuestionIds(ids: readonly number[], country: string, seed: string): QuestionSplit {
  const ascending = [...new Set(ids)].sort((a, b) => a - b);
  const { train, heldOut } = seededSplit(ascending, `culturalbench-split:${seed}:${country}`, Math.ceil(ascending.length / 2));
  return { country, seed, train, heldOut };
}

/** The split of a country's Easy questions; a country with fewer than two has nothing to hold out. */
export function splitCountry(easy: readonly EasyQuestion[], country: string, seed: string): QuestionSplit {
  const ids = easy.filter((q) => q.country === country).map((q) => q.id);
  if (new Set(ids).size < 2) throw new UserError(`CulturalBench has ${ids.length} question(s) about ${country}: too few to split into training and held-out halves`);
  return splitQuestionIds(ids, country, seed);
}

/** The questions of one side of a split, in the order given. */
export function questionsIn<Q extends { id: number; country: string }>(questions: readonly Q[], split: QuestionSplit, side: 'train' | 'heldOut'): Q[] {
  const ids = new Set(split[side]);
  return questions.filter((q) => q.country === split.country && ids.has(q.id));
}
