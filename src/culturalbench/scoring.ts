import { originalIndex, rotate, ROTATIONS } from './rotation.ts';

/** Index of the highest score; a tie goes to the earliest position, as a position-biased reader would pick. */
export function argmax(scores: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i += 1) if (scores[i] > scores[best]) best = i;
  return best;
}

/** Whether the position chosen under `rotation` shows the right option (`answer`, an original index). */
export function rightUnderRotation(answer: number, choice: number, rotation: number, optionCount = 4): boolean {
  return originalIndex(choice, rotation, optionCount) === answer;
}

/** Rightness under every rotation, given the position chosen under each (`choices[r]`). */
export function rotationCorrectness(answer: number, choices: readonly number[]): boolean[] {
  return ROTATIONS.map((r) => rightUnderRotation(answer, choices[r], r));
}

/**
 * Choices under every rotation when the scores do not depend on the order shown (log-likelihood of the
 * option text, the options not being listed): the rotations then differ only in how ties are broken.
 */
export function choicesFromOrderFreeScores(scores: readonly number[]): number[] {
  return ROTATIONS.map((r) => argmax(rotate(scores, r)));
}

export interface RotationScore {
  /** Fraction of the four rotations answered right. */
  mean: number;
  /** 1 if right under every rotation, else 0. */
  strict: number;
}

export function scoreRotations(correct: readonly boolean[]): RotationScore {
  const right = correct.filter(Boolean).length;
  return { mean: right / correct.length, strict: right === correct.length ? 1 : 0 };
}

/** Judged true when " True" is likelier than " False" (a tie reads as false). */
export function judgedTrue(trueLogProb: number, falseLogProb: number): boolean {
  return trueLogProb > falseLogProb;
}

/** CulturalBench-Hard's rule: a question counts only if all four statements are judged right. */
export function hardQuestionScore(statementsRight: readonly boolean[]): number {
  return statementsRight.every(Boolean) ? 1 : 0;
}
