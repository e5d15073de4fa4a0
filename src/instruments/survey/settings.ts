import { UserError } from '../../util/errors.ts';
import { parseInteger } from '../../util/numbers.ts';
import type { SettingFlags, SettingOption } from '../types.ts';
import { ANSWER_MODES, type AnswerMode } from './answers.ts';
import { PHRASINGS } from './questions.ts';
import { DEFAULT_VARIANTS, respondentVariants } from './respondents.ts';

/** The settings every survey instrument shares: how many respondent variants ask each item, and how an answer is read. */
export interface SurveySettings {
  variants: number;
  answer: AnswerMode;
  /**
   * The respondent profiles the variants draw from (ids "p1".."p12"): one side of a held-out split
   * (src/instruments/split.ts), set when a side is asked, never stored; absent, all profiles.
   */
  respondents?: readonly string[];
}

export const SURVEY_OPTIONS: readonly SettingOption[] = [
  { flags: '--variants <n>', key: 'variants', description: 'respondent variants averaged per item (pairs of scale order and reversed)', defaultText: String(DEFAULT_VARIANTS) },
  { flags: '--answer <mode>', key: 'answer', choices: ANSWER_MODES, description: 'answer reading the loss uses: expected value or most probable answer', defaultText: 'expected' },
];

/** A positive integer flag, in decimal digits ("2.0" and "0x2" are refused, as the CLI's parsers refuse them); `flag` names it in errors. */
export function positiveInteger(text: string, flag: string): number {
  const n = parseInteger(text);
  if (n === undefined || n < 1) throw new UserError(`${flag}: expected an integer >= 1, got "${text}"`);
  return n;
}

/** One of `choices`; `flag` names it in errors. */
export function oneOf<T extends string>(text: string, choices: readonly T[], flag: string): T {
  if (!(choices as readonly string[]).includes(text)) throw new UserError(`${flag}: "${text}" is not one of ${choices.join(', ')}`);
  return text as T;
}

/** Checks the number of respondent variants against the sequence's maximum, naming the flag. */
function variantCount(text: string): number {
  const count = positiveInteger(text, '--variants');
  try {
    respondentVariants(count, PHRASINGS);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`--variants: ${error.message}`);
    throw error;
  }
  return count;
}

export function surveySettings(flags: SettingFlags, base: SurveySettings | undefined): SurveySettings {
  return {
    variants: flags.variants !== undefined ? variantCount(flags.variants) : (base?.variants ?? DEFAULT_VARIANTS),
    answer: flags.answer !== undefined ? oneOf(flags.answer, ANSWER_MODES, '--answer') : (base?.answer ?? 'expected'),
  };
}
