import type { SurveyQuestion } from '../types.ts';
import type { RespondentProfile, RespondentVariant } from './respondents.ts';

/** Ways of showing the options and asking for the answer; the item wording itself never changes. */
const ANSWER_FORMATS: readonly { option: (key: string, label: string) => string; instruction: (count: number) => string }[] = [
  { option: (key, label) => `${key} = ${label}`, instruction: () => 'Answer with the number of your answer only.' },
  { option: (key, label) => `${key}. ${label}`, instruction: (count) => `Reply with a single number from 1 to ${count}.` },
];

/** How many answer-format phrasings the respondent variants cycle through. */
export const PHRASINGS = ANSWER_FORMATS.length;

/** An item answered on a labelled scale: label i has value i + 1. */
export interface ScaleItem {
  id: string;
  /** The item as the questionnaire asks it, lead-in included. */
  question: string;
  labels: readonly string[];
}

/** The respondent sentence every question of a variant starts with; shared text first, so a runtime reusing a common prefix computes it once. */
export function respondentIntro(survey: string, profile: RespondentProfile): string {
  const { gender, age, education, occupation } = profile;
  return `You are taking part in a survey on values (${survey}). Answer as this respondent: a ${gender}, ${age}, with ${education}, ${occupation}.`;
}

/**
 * One scale item as one respondent variant is asked it: the options numbered 1..n, shown in scale
 * order or reversed (labels reversed, numbers kept, mapped back to the scale's values when read).
 */
export function scaleQuestion(item: ScaleItem, variant: RespondentVariant, survey: string): SurveyQuestion {
  const format = ANSWER_FORMATS[variant.phrasing % PHRASINGS];
  const count = item.labels.length;
  const values = Array.from({ length: count }, (_, i) => (variant.reversed ? count - i : i + 1));
  const keys = values.map((_, i) => String(i + 1));
  const lines = [
    respondentIntro(survey, variant.profile),
    '',
    item.question,
    '',
    ...keys.map((key, i) => format.option(key, item.labels[values[i] - 1])),
    '',
    format.instruction(count),
  ];
  return { itemId: item.id, variantId: variant.id, messages: [{ role: 'user', content: lines.join('\n') }], answerKeys: keys, answerValues: values };
}

/** The mean answer per item over its questions (all variants), read with `read`; items in `itemIds` order. */
export function meanAnswerPerItem(
  itemIds: readonly string[],
  questions: readonly SurveyQuestion[],
  distributions: readonly (readonly number[])[],
  read: (distribution: readonly number[], values: readonly number[]) => number,
): number[] {
  if (questions.length !== distributions.length) throw new Error(`got ${distributions.length} answer distributions for ${questions.length} questions`);
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const sums = new Array<number>(itemIds.length).fill(0);
  const counts = new Array<number>(itemIds.length).fill(0);
  questions.forEach((q, i) => {
    const item = index.get(q.itemId);
    if (item === undefined) throw new Error(`question for unknown item ${q.itemId}`);
    sums[item] += read(distributions[i], q.answerValues);
    counts[item]++;
  });
  const unanswered = itemIds.filter((_, i) => counts[i] === 0);
  if (unanswered.length > 0) throw new Error(`no answers to items ${unanswered.join(', ')}`);
  return sums.map((s, i) => s / counts[i]);
}
