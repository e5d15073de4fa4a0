import { OPTION_LETTERS } from './types.ts';

/** Multiple-choice form: the options listed under letters, the answer is a letter. */
export function easyLetterBody(question: string, presented: readonly string[]): string {
  const listed = presented.map((option, p) => `${OPTION_LETTERS[p]}. ${option}`).join('\n');
  return `${question}\n\n${listed}\n\nAnswer with the letter of the correct option (A, B, C or D).`;
}

/** Cloze form (lm-evaluation-harness): the question alone, each option's text scored as the answer. */
export function easyClozeBody(question: string): string {
  return `${question}\nAnswer:`;
}

export function hardBody(question: string, statement: string): string {
  return `Question: ${question}\nProposed answer: ${statement}\nIs the proposed answer true or false? Answer True or False.`;
}

