import type { Placement, ScoreRequest, Scorer, SoftPrompt, TextTokenizer } from '../model/types.ts';
import { buildScoreRequest, scoreUnderPrompts } from '../instruments/index.ts';
import { easyLetterBody } from './prompts.ts';
import { rotate, ROTATIONS } from './rotation.ts';
import { OPTION_LETTERS, type EasyQuestion } from './types.ts';

/** Where the right option stands when shown under `rotation` (the inverse of `originalIndex`). */
export function positionUnderRotation(answer: number, rotation: number, count = OPTION_LETTERS.length): number {
  return (answer - rotation + count) % count;
}

/** Probabilities of the options given their log-likelihoods: a softmax over the options alone. */
export function optionProbabilities(logprobs: readonly number[]): number[] {
  const top = Math.max(...logprobs);
  const weights = logprobs.map((l) => Math.exp(l - top));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/**
 * Rotation-debiased expected accuracy of one question: the probability the model gives the right
 * letter (renormalised over A–D), averaged over the four rotations. Unlike the argmax accuracy it
 * moves with every small change of the log-probs, so a search can climb it; and since every position
 * holds the right answer once, a reader that favours a letter gains nothing from the data's A bias
 * (any fixed letter preference scores exactly 25 %). `logprobs[r]` are the letters' log-probs under
 * rotation r.
 */
export function expectedQuestionAccuracy(answer: number, logprobs: readonly (readonly number[])[]): number {
  let sum = 0;
  for (const r of ROTATIONS) sum += optionProbabilities(logprobs[r])[positionUnderRotation(answer, r)];
  return sum / ROTATIONS.length;
}

/**
 * CulturalBench-Easy accuracy as an objective a search can use: the letter prompts of the given
 * questions under all four rotations, built and tokenised once, then one scoring call per candidate.
 */
export interface KnowledgeObjective {
  questions: readonly EasyQuestion[];
  /** Question q's rotation r is request 4q + r. */
  requests: ScoreRequest[];
  /** Mean expected accuracy over the questions, from the requests' log-probs. */
  accuracy(logprobs: readonly (readonly number[])[]): number;
  /** Accuracy under each soft prompt, in one pass where the scorer can. */
  evaluateMany(softPrompts: readonly SoftPrompt[]): Promise<number[]>;
}

export function letterRequests(tokenizer: TextTokenizer, questions: readonly EasyQuestion[]): ScoreRequest[] {
  const ask = (body: string) => buildScoreRequest(tokenizer, [{ role: 'user', content: body }], OPTION_LETTERS, 'a CulturalBench question');
  return questions.flatMap((q) => ROTATIONS.map((r) => ask(easyLetterBody(q.question, rotate(q.options, r)))));
}

export function prepareKnowledgeObjective(scorer: Scorer, questions: readonly EasyQuestion[], options: { placement?: Placement } = {}): KnowledgeObjective {
  const requests = letterRequests(scorer.tokenizer, questions);
  const accuracy = (logprobs: readonly (readonly number[])[]) => {
    let sum = 0;
    questions.forEach((q, i) => {
      sum += expectedQuestionAccuracy(q.answer, logprobs.slice(i * ROTATIONS.length, (i + 1) * ROTATIONS.length));
    });
    return sum / questions.length;
  };
  const { placement } = options;
  return {
    questions,
    requests,
    accuracy,
    evaluateMany: async (softPrompts) => (await scoreUnderPrompts(scorer, requests, softPrompts, { placement })).map(accuracy),
  };
}
