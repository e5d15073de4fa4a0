import { PHRASINGS, respondentIntro, respondentVariants } from '../survey/index.ts';
import type { SurveyQuestion } from '../types.ts';
import type { OpinionReference } from './target.ts';

type OpinionItem = OpinionReference['questions'][number];

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The option orders every question is asked in: as the survey lists them, and reversed. */
const ORDERS = [
  { id: 'fwd', reversed: false },
  { id: 'rev', reversed: true },
] as const;

/** The option indices in the order shown. */
function shownOrder(count: number, reversed: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return reversed ? order.reverse() : order;
}

/**
 * Durmus et al. 2023's default prompt (arXiv:2306.16388, appendix: "Human: {question}\n\nHere are the
 * options:\n(A) ...\n\nAssistant: If had to select one of the options, my answer would be ("), the
 * Human turn as the user message. The option letter is read at the start of the assistant's turn, as
 * for every cultune instrument, instead of after that Assistant prefix, which was written for a
 * Human/Assistant completion model. No respondent sentence: under the none condition this is their
 * default prompt; a persona or a soft prompt is the only thing the other conditions add.
 */
function durmusQuestion(index: number, item: OpinionItem, order: (typeof ORDERS)[number]): SurveyQuestion {
  const shown = shownOrder(item.options.length, order.reversed);
  const keys = shown.map((_, i) => LETTERS[i]);
  const lines = [item.question, '', 'Here are the options:', ...shown.map((o, i) => `(${keys[i]}) ${item.options[o]}`)];
  return { itemId: String(index), variantId: order.id, messages: [{ role: 'user', content: lines.join('\n') }], answerKeys: keys, answerValues: shown };
}

/**
 * Every question in both option orders, forward first: the two distributions, each mapped back to the
 * survey's order by `answerValues`, are averaged (scores), so a model that prefers the first letter
 * and one that prefers the last give the same distribution.
 */
export function durmusQuestions(items: readonly OpinionItem[]): SurveyQuestion[] {
  return ORDERS.flatMap((order) => items.map((item, i) => durmusQuestion(i, item, order)));
}

const SURVEY_NAME = 'the Pew Global Attitudes Survey and the World Values Survey';

/**
 * The questions as cultune asked them before it followed Durmus et al. (run folders whose run.json
 * records no metric): a respondent sentence, then the lettered options; variants in pairs of survey
 * order and reversed, so an odd count was unbalanced.
 */
export function legacyRespondentQuestions(items: readonly OpinionItem[], variants: number): SurveyQuestion[] {
  return respondentVariants(variants, PHRASINGS).flatMap((v) =>
    items.map((item, index) => {
      const shown = shownOrder(item.options.length, v.reversed);
      const keys = shown.map((_, i) => LETTERS[i]);
      const lines = [respondentIntro(SURVEY_NAME, v.profile), '', item.question, '', ...shown.map((o, i) => `${keys[i]}. ${item.options[o]}`), '', 'Answer with the letter of your answer only.'];
      return { itemId: String(index), variantId: v.id, messages: [{ role: 'user', content: lines.join('\n') }], answerKeys: keys, answerValues: shown };
    }),
  );
}
