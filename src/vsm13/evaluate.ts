import { UserError } from '../util/errors.ts';
import type { Placement, ScoreRequest, Scorer, SoftPrompt, TextTokenizer } from '../model/types.ts';
import { DIMENSIONS, type PartialScores } from './dimensions.ts';
import { zeroConstants } from './constants.ts';
import type { SurveyQuestion } from './instrument.ts';
import { answerDistributions } from './answers.ts';
import type { Vsm13Loss } from './loss.ts';
import { DEFAULT_VARIANTS } from './respondents.ts';
import { surveyScoreRequests } from './survey-requests.ts';
import { VSM13, type Vsm13Scores, type Vsm13Settings } from './vsm13-instrument.ts';

/** Settings with the defaults (4 variants, C = 0, expected answers, L1) where `overrides` leaves a setting undefined. */
export function vsm13Settings(overrides: Partial<Vsm13Settings> = {}): Vsm13Settings {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { variants: DEFAULT_VARIANTS, constants: zeroConstants(), answer: 'expected', metric: 'l1', ...given };
}

/** The questions of one evaluation, tokenised once; turning log-probs into scores needs no model. */
export interface PreparedVsm13 {
  settings: Vsm13Settings;
  questions: SurveyQuestion[];
  /** All variants of all items: one `scorer.score` call per candidate. */
  requests: ScoreRequest[];
  scoresFromLogprobs(logprobs: readonly (readonly number[])[]): Vsm13Scores;
}

export function prepareVsm13(tokenizer: TextTokenizer, settings: Vsm13Settings): PreparedVsm13 {
  const questions = VSM13.questions(settings);
  const requests = surveyScoreRequests(tokenizer, questions);
  return {
    settings,
    questions,
    requests,
    scoresFromLogprobs: (logprobs) => VSM13.scores(questions, answerDistributions(logprobs), settings),
  };
}

export interface ScoringOptions {
  softPrompt?: SoftPrompt;
  placement?: Placement;
  onProgress?: (done: number, total: number) => void;
}

/** Asks the model all questions in one batched call and returns item means and indices (both answer readings). */
export async function evaluateVsm13(scorer: Scorer, options: Partial<Vsm13Settings> & ScoringOptions = {}): Promise<Vsm13Scores> {
  const { softPrompt, placement, onProgress, ...settings } = options;
  const prepared = prepareVsm13(scorer.tokenizer, vsm13Settings(settings));
  return prepared.scoresFromLogprobs(await scorer.score(prepared.requests, { softPrompt, placement, onProgress }));
}

export interface Vsm13ObjectiveResult {
  loss: number;
  breakdown: Vsm13Loss;
  scores: Vsm13Scores;
}

/** The DE objective: requests built once per run, then one scoring call and a loss per candidate. */
export interface Vsm13Objective extends PreparedVsm13 {
  target: PartialScores;
  lossFromLogprobs(logprobs: readonly (readonly number[])[]): Vsm13ObjectiveResult;
  evaluate(softPrompt?: SoftPrompt): Promise<Vsm13ObjectiveResult>;
  /** Several candidates in one scoring pass where the scorer supports it (the same numbers as one by one). */
  evaluateMany(softPrompts: readonly SoftPrompt[]): Promise<Vsm13ObjectiveResult[]>;
}

export function prepareVsm13Objective(
  scorer: Scorer,
  target: PartialScores,
  options: Partial<Vsm13Settings> & { placement?: Placement } = {},
): Vsm13Objective {
  if (!DIMENSIONS.some((d) => target[d] !== undefined)) {
    throw new UserError('the target has no dimension to compare with: nothing to optimise');
  }
  const { placement, ...settings } = options;
  const prepared = prepareVsm13(scorer.tokenizer, vsm13Settings(settings));
  const lossFromLogprobs = (logprobs: readonly (readonly number[])[]): Vsm13ObjectiveResult => {
    const scores = prepared.scoresFromLogprobs(logprobs);
    const breakdown = VSM13.loss(scores, target, prepared.settings);
    return { loss: breakdown.loss, breakdown, scores };
  };
  return {
    ...prepared,
    target,
    lossFromLogprobs,
    evaluate: async (softPrompt) => lossFromLogprobs(await scorer.score(prepared.requests, { softPrompt, placement })),
    evaluateMany: async (softPrompts) => {
      if (scorer.scoreCandidates) return (await scorer.scoreCandidates(prepared.requests, softPrompts, { placement })).map(lossFromLogprobs);
      const results: Vsm13ObjectiveResult[] = [];
      for (const softPrompt of softPrompts) results.push(lossFromLogprobs(await scorer.score(prepared.requests, { softPrompt, placement })));
      return results;
    },
  };
}
