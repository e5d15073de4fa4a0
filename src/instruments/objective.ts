import type { Placement, ScoreRequest, Scorer, SoftPrompt, TextTokenizer } from '../model/types.ts';
import type { Target } from '../targets/index.ts';
import { conditionMessages, NO_CONDITIONING, softPromptOf, type Conditioning } from './conditioning.ts';
import { buildScoreRequest } from './requests.ts';
import { answerDistributions } from './survey/answers.ts';
import { instrumentNamed } from './registry.ts';
import type { AnyInstrument, InstrumentResult, NamedScores, SettingFlags, SurveyQuestion } from './types.ts';

/** An instrument with its settings: what a run records and what every evaluation of it starts from. */
export interface InstrumentSpec {
  instrument: AnyInstrument;
  settings: object;
}

/** Scores of one evaluation, before any target: the instrument's own record and its named scores. */
export interface Reading {
  details: unknown;
  scores: NamedScores;
}

/** The questions of one evaluation, tokenised once; turning log-probs into scores needs no model. */
export interface PreparedInstrument extends InstrumentSpec {
  questions: SurveyQuestion[];
  /** All questions of all variants: one `scorer.score` call per candidate. */
  requests: ScoreRequest[];
  read(logprobs: readonly (readonly number[])[]): Reading;
}

/**
 * Writes the instrument's questions under a text conditioning (a persona goes into the messages; a
 * soft prompt leaves them alone) and builds their score requests with the one request builder.
 */
export function prepareInstrument(tokenizer: TextTokenizer, spec: InstrumentSpec, target: Target | undefined, conditioning: Conditioning = NO_CONDITIONING): PreparedInstrument {
  const { instrument, settings } = spec;
  const questions = instrument.questions(settings, target).map((q) => ({ ...q, messages: conditionMessages(q.messages, conditioning) }));
  const requests = questions.map((q) => buildScoreRequest(tokenizer, q.messages, q.answerKeys, `${instrument.title} item ${q.itemId}`));
  return {
    ...spec,
    questions,
    requests,
    read: (logprobs) => {
      const details = instrument.scores(questions, answerDistributions(logprobs), settings, target);
      return { details, scores: instrument.named(details, settings) };
    },
  };
}

/** A reading compared with a target: the record train, eval and report share. */
export function resultOf(spec: InstrumentSpec, reading: Reading, target: Target): InstrumentResult {
  const loss = spec.instrument.loss(reading.details, target, spec.settings);
  const targetScores: NamedScores = {};
  for (const column of spec.instrument.columns) {
    const value = target.values[column.name];
    if (value) targetScores[column.name] = value.value;
  }
  return { instrument: spec.instrument.name, scores: reading.scores, target: targetScores, loss, details: reading.details };
}

/** The DE objective (and one evaluation of eval): requests built once, then one scoring call and a loss per candidate. */
export interface Objective {
  prepared: PreparedInstrument;
  target: Target;
  resultFromLogprobs(logprobs: readonly (readonly number[])[]): InstrumentResult;
  /** Under the objective's own conditioning, or with the given soft prompt. */
  evaluate(softPrompt?: SoftPrompt, onProgress?: (done: number, total: number) => void): Promise<InstrumentResult>;
  /** Several candidates in one scoring pass where the scorer supports it (the same numbers as one by one). */
  evaluateMany(softPrompts: readonly SoftPrompt[]): Promise<InstrumentResult[]>;
}

export interface ObjectiveOptions {
  /** How questions are asked when no candidate prompt is given: none, a persona, or a fixed soft prompt. */
  conditioning?: Conditioning;
  /** Where candidates' soft prompts go. */
  placement?: Placement;
}

export function prepareObjective(scorer: Scorer, spec: InstrumentSpec, target: Target, options: ObjectiveOptions = {}): Objective {
  const conditioning = options.conditioning ?? NO_CONDITIONING;
  const prepared = prepareInstrument(scorer.tokenizer, spec, target, conditioning);
  const fixed = softPromptOf(conditioning);
  const placement = options.placement ?? fixed.placement;
  const resultFromLogprobs = (logprobs: readonly (readonly number[])[]) => resultOf(spec, prepared.read(logprobs), target);
  return {
    prepared,
    target,
    resultFromLogprobs,
    evaluate: async (softPrompt, onProgress) =>
      resultFromLogprobs(await scorer.score(prepared.requests, { softPrompt: softPrompt ?? fixed.softPrompt, placement, onProgress })),
    evaluateMany: async (softPrompts) => {
      if (scorer.scoreCandidates) return (await scorer.scoreCandidates(prepared.requests, softPrompts, { placement })).map(resultFromLogprobs);
      const results: InstrumentResult[] = [];
      for (const softPrompt of softPrompts) results.push(resultFromLogprobs(await scorer.score(prepared.requests, { softPrompt, placement })));
      return results;
    },
  };
}

/** How run.json and eval records name an instrument: its name and its settings as plain JSON. */
export interface StoredInstrument {
  name: string;
  settings: object;
}

export function storedInstrument(spec: InstrumentSpec): StoredInstrument {
  return { name: spec.instrument.name, settings: spec.settings };
}

/** The instrument a record names, with its stored settings; `flags` given override them (eval --variants 1). */
export function instrumentFromStored(stored: StoredInstrument, flags: SettingFlags = {}): InstrumentSpec {
  const instrument = instrumentNamed(stored.name);
  return { instrument, settings: instrument.settings(flags, stored.settings) };
}
