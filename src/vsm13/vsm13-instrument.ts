import type { DimensionScores, PartialScores } from './dimensions.ts';
import { zeroConstants, type IndexConstants } from './constants.ts';
import { computeIndices, ITEM_COUNT } from './indices.ts';
import type { Instrument, SurveyQuestion } from './instrument.ts';
import { argmaxAnswer, expectedAnswer } from './answers.ts';
import { vsm13Items } from './items.ts';
import { vsm13Loss, type LossMetric, type Vsm13Loss } from './loss.ts';
import { PHRASINGS, vsm13Question } from './prompts.ts';
import { respondentVariants } from './respondents.ts';

/** How an answer is read from the five-option distribution. */
export type AnswerMode = 'expected' | 'argmax';

export interface Vsm13Settings {
  /** Respondent variants averaged per item (see respondents.ts for the sequence). */
  variants: number;
  /** Place named in a "You are a person from X." sentence before every question (the persona baseline). */
  persona?: string;
  constants: IndexConstants;
  /** Which reading of the answers the loss uses; both are always reported. */
  answer: AnswerMode;
  metric: LossMetric;
}

/** Both readings of the answers side by side: reports show them, the loss picks one. */
export interface ByAnswerMode<T> {
  expected: T;
  argmax: T;
}

export interface Vsm13Scores {
  /** Mean answer (1..5) per item over the respondent variants; index 0 is m01. */
  itemMeans: ByAnswerMode<number[]>;
  /** Indices with C = 0: what anchored constants are computed from. */
  rawIndices: ByAnswerMode<DimensionScores>;
  /** Indices with the settings' constants: what is compared with the published scores. */
  indices: ByAnswerMode<DimensionScores>;
  constants: IndexConstants;
  variants: number;
}

function meanAnswersPerItem(
  questions: readonly SurveyQuestion[],
  distributions: readonly number[][],
  read: (distribution: readonly number[], values: readonly number[]) => number,
): number[] {
  const sums = new Array<number>(ITEM_COUNT).fill(0);
  const counts = new Array<number>(ITEM_COUNT).fill(0);
  questions.forEach((q, i) => {
    const item = Number(q.itemId) - 1;
    sums[item] += read(distributions[i], q.answerValues);
    counts[item]++;
  });
  if (counts.some((c) => c === 0)) throw new Error('VSM 2013 scores need answers to all 24 items');
  return sums.map((s, i) => s / counts[i]);
}

export const VSM13: Instrument<Vsm13Settings, Vsm13Scores, PartialScores, Vsm13Loss> = {
  name: 'vsm13',

  questions(settings) {
    return respondentVariants(settings.variants, PHRASINGS).flatMap((variant) =>
      vsm13Items().map((item) => vsm13Question(item, variant, settings.persona)),
    );
  },

  scores(questions, distributions, settings) {
    if (questions.length !== distributions.length) {
      throw new Error(`got ${distributions.length} answer distributions for ${questions.length} questions`);
    }
    const itemMeans = {
      expected: meanAnswersPerItem(questions, distributions, expectedAnswer),
      argmax: meanAnswersPerItem(questions, distributions, argmaxAnswer),
    };
    const indicesWith = (constants: DimensionScores) => ({
      expected: computeIndices(itemMeans.expected, constants),
      argmax: computeIndices(itemMeans.argmax, constants),
    });
    return {
      itemMeans,
      rawIndices: indicesWith(zeroConstants().values),
      indices: indicesWith(settings.constants.values),
      constants: settings.constants,
      variants: settings.variants,
    };
  },

  loss(scores, target, settings) {
    return vsm13Loss(scores.indices[settings.answer], target, { metric: settings.metric });
  },
};
