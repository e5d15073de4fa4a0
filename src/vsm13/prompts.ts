import type { SurveyQuestion } from './instrument.ts';
import { itemId, type Vsm13Item } from './items.ts';
import type { RespondentVariant } from './respondents.ts';

/** Ways of showing the options and asking for the answer; the item wording itself never changes. */
const ANSWER_FORMATS: readonly { option: (key: string, label: string) => string; instruction: string }[] = [
  { option: (key, label) => `${key} = ${label}`, instruction: 'Answer with the number of your answer only.' },
  { option: (key, label) => `${key}. ${label}`, instruction: 'Reply with a single number from 1 to 5.' },
];

export const PHRASINGS = ANSWER_FORMATS.length;

const ANSWER_KEYS = ['1', '2', '3', '4', '5'];

/** "You are a person from X." — the persona baseline of the design; `place` reads naturally in a sentence. */
export function personaSentence(place: string): string {
  return `You are a person from ${place}.`;
}

/**
 * One item as one respondent variant is asked it. The text every question shares (persona, survey
 * sentence) comes first so that a runtime reusing a common prefix computes it once.
 */
export function vsm13Question(item: Vsm13Item, variant: RespondentVariant, persona?: string): SurveyQuestion {
  const format = ANSWER_FORMATS[variant.phrasing];
  const values = variant.reversed ? [5, 4, 3, 2, 1] : [1, 2, 3, 4, 5];
  const { gender, age, education, occupation } = variant.profile;
  const lines = [
    ...(persona === undefined ? [] : [personaSentence(persona)]),
    `You are taking part in a survey on values (the Values Survey Module 2013). Answer as this respondent: a ${gender}, ${age}, with ${education}, ${occupation}.`,
    '',
    item.question,
    '',
    ...ANSWER_KEYS.map((key, i) => format.option(key, item.labels[values[i] - 1])),
    '',
    format.instruction,
  ];
  return {
    itemId: itemId(item.number),
    variantId: variant.id,
    messages: [{ role: 'user', content: lines.join('\n') }],
    answerKeys: ANSWER_KEYS,
    answerValues: values,
  };
}
