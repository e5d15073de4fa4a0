import type { ChatMessage } from '../model/types.ts';

/**
 * The contract every questionnaire objective follows (VSM 2013 now; the Inglehart-Welzel map and
 * GlobalOpinionQA later): it writes the questions, turns the model's answer distributions into its
 * scores, and compares scores with a target. How the answers are scored is not its business.
 */
export interface Instrument<Settings, Scores, Target, Loss> {
  readonly name: string;
  /** Every question one evaluation asks (all items for all respondent variants), in a fixed order. */
  questions(settings: Settings): SurveyQuestion[];
  /** Scores from one probability distribution per question over that question's answer keys. */
  scores(questions: readonly SurveyQuestion[], distributions: readonly number[][], settings: Settings): Scores;
  loss(scores: Scores, target: Target, settings: Settings): Loss;
}

/** One question as one simulated respondent sees it. */
export interface SurveyQuestion {
  /** Which item of the instrument this asks, e.g. "07". */
  itemId: string;
  /** Which respondent variant asks it (persona, phrasing, option order). */
  variantId: string;
  messages: ChatMessage[];
  /** The texts the model may answer with, in the order shown, e.g. "1".."5". */
  answerKeys: string[];
  /** Each answer key's value on the item's own scale: shown reversed, key "1" means 5. */
  answerValues: number[];
}
