/** From the model's log-probs over the offered answers to answers on the item's scale. */

/** How an answer is read from a question's answer distribution. */
export type AnswerMode = 'expected' | 'argmax';
export const ANSWER_MODES: readonly AnswerMode[] = ['expected', 'argmax'];

/** Both readings of the answers side by side: reports show them, the loss picks one. */
export interface ByAnswerMode<T> {
  expected: T;
  argmax: T;
}

/** Softmax over each request's option log-probs: the answer distribution restricted to the offered answers. */
export function answerDistributions(logprobs: readonly (readonly number[])[]): number[][] {
  return logprobs.map((row) => {
    const max = Math.max(...row);
    const weights = row.map((lp) => Math.exp(lp - max));
    const total = weights.reduce((s, w) => s + w, 0);
    return weights.map((w) => w / total);
  });
}

/** Probability-weighted mean of the answers' values: smooth in the model's outputs, the default for optimisation. */
export function expectedAnswer(distribution: readonly number[], values: readonly number[]): number {
  return distribution.reduce((s, p, i) => s + p * values[i], 0);
}

/** The value of the most probable answer, as one person would answer (first one on exact ties). */
export function argmaxAnswer(distribution: readonly number[], values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < distribution.length; i++) if (distribution[i] > distribution[best]) best = i;
  return values[best];
}

export const ANSWER_READERS: Record<AnswerMode, (distribution: readonly number[], values: readonly number[]) => number> = {
  expected: expectedAnswer,
  argmax: argmaxAnswer,
};
