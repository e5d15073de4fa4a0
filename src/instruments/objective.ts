import type { Placement, ScoreOptions, ScoreRequest, Scorer, SoftPrompt, TextTokenizer } from '../model/types.ts';
import { scoreUnderPrompts } from './evaluator.ts';
import type { Target } from '../targets/index.ts';
import { UserError } from '../util/errors.ts';
import { conditionMessages, NO_CONDITIONING, softPromptOf, type Conditioning } from './conditioning.ts';
import { CLASSIFY, describeFormat, formatMessages, formatSetting, generates, READ_OUT, type FormatFlags, type FormatSetting } from './formats.ts';
import { buildScoreRequest } from './requests.ts';
import { askedOn, type SplitPart } from './split.ts';
import { answerDistributions, argmaxAnswer, expectedAnswer } from './survey/answers.ts';
import { instrumentNamed } from './registry.ts';
import type { AnyInstrument, InstrumentResult, NamedScores, ScoreUnits, SettingFlags, SurveyQuestion } from './types.ts';

/** An instrument with its settings: what a run records and what every evaluation of it starts from. */
export interface InstrumentSpec {
  instrument: AnyInstrument;
  settings: object;
  /** How questions are put and answers read (formats.ts); absent is classify. */
  format?: FormatSetting;
  /** The instrument's dataset where it has one (`loadData`), loaded once by the caller; never recorded. */
  data?: unknown;
}

/** Scores of one evaluation, before any target: the instrument's own record and its named scores. */
export interface Reading {
  details: unknown;
  scores: NamedScores;
  /** The scores unit by unit, where the instrument has a breakdown. */
  units?: ScoreUnits;
}

/** The questions of one evaluation, tokenised once; turning log-probs into scores needs no model. */
export interface PreparedInstrument extends InstrumentSpec {
  questions: SurveyQuestion[];
  /**
   * All questions of all variants as score requests: classify's, one `scorer.score` call per
   * candidate; a generating format's read-out with no text before it (the shortest its requests get).
   */
  requests: ScoreRequest[];
  /** Positions a question's generated text may add to its request (the format's token cap; 0 for classify). */
  generatedPositions: number;
  /** The answers' log-probs under each soft prompt, in the prepared format. */
  logprobs(scorer: Scorer, softPrompts: readonly (SoftPrompt | undefined)[], options?: Omit<ScoreOptions, 'softPrompt'>): Promise<number[][][]>;
  read(logprobs: readonly (readonly number[])[]): Reading;
  /** Each question with its answers' log-probs, for `eval --log-samples`: built only when asked for. */
  samples(logprobs: readonly (readonly number[])[]): InstrumentSample[];
}

/**
 * One question as asked and answered (lm-evaluation-harness's per-sample record): the prompt as the
 * chat template renders it (for a generating format, before the generated text), the options and
 * their log-likelihoods, the most probable answer and the expected answer on the item's scale.
 */
export interface InstrumentSample {
  item: string;
  variant: string;
  prompt: string;
  options: string[];
  optionValues: number[];
  loglikelihoods: number[];
  /** The most probable option (the first on ties). */
  chosen: string;
  /** The probability-weighted mean of the option values, the options' log-probs normalised over the options. */
  expected: number;
}

/**
 * Writes the instrument's questions under a text conditioning (a persona goes into the messages; a
 * soft prompt leaves them alone) in the spec's format, and builds their score requests with the one
 * request builder. With `part`, only that side of a held-out split is asked (split.ts): training
 * builds its requests from the training side alone. Classify scores the requests, several candidates in one pass where the scorer
 * can; a generating format first has each candidate write after each question (greedily, under its
 * soft prompt), then scores the options after that text and the read-out line. A candidate's texts
 * are generated apart from the others', so a prompt reads the same alone as in a population.
 */
export function prepareInstrument(tokenizer: TextTokenizer, spec: InstrumentSpec, target: Target | undefined, conditioning: Conditioning = NO_CONDITIONING, part?: SplitPart): PreparedInstrument {
  const { instrument } = spec;
  const { settings, questions: asked } = part ? askedOn(spec, target, part) : { settings: spec.settings, questions: instrument.questions(spec.settings, target) };
  // A spec's format with its cap filled in (code may build one without it).
  const format = formatSetting({}, spec.format);
  const questions = asked.map((q) => ({ ...q, messages: formatMessages(conditionMessages(q.messages, conditioning, q.itemId), format) }));
  const requestsAfter = (texts: readonly string[]) =>
    questions.map((q, i) => buildScoreRequest(tokenizer, q.messages, q.answerKeys, `${instrument.title} item ${q.itemId}`, texts[i]));
  const requests = requestsAfter(generates(format) ? questions.map(() => READ_OUT) : []);
  return {
    ...spec,
    questions,
    requests,
    generatedPositions: format.maxNewTokens ?? 0,
    logprobs: async (scorer, softPrompts, options = {}) => {
      if (!generates(format)) return scoreUnderPrompts(scorer, requests, softPrompts, options);
      checkFormatRuns(scorer, format);
      const prompts = questions.map((q) => tokenizer.encode(tokenizer.applyChatTemplate(q.messages, { addGenerationPrompt: true }), { addSpecialTokens: false }));
      const results: number[][][] = [];
      for (const softPrompt of softPrompts) {
        const [texts] = await scorer.generate!(prompts, [softPrompt], { placement: options.placement, maxNewTokens: format.maxNewTokens ?? 0 });
        const [logprobs] = await scoreUnderPrompts(scorer, requestsAfter(texts.map((ids) => tokenizer.decode(ids) + READ_OUT)), [softPrompt], options);
        results.push(logprobs);
      }
      return results;
    },
    read: (logprobs) => {
      const distributions = answerDistributions(logprobs);
      const details = instrument.scores(questions, distributions, settings, target);
      const { breakdown } = instrument;
      const units = breakdown && { unit: breakdown.unit, values: breakdown.units(questions, distributions, settings, target) };
      return { details, scores: instrument.named(details, settings), ...(units ? { units } : {}) };
    },
    samples: (logprobs) => {
      const distributions = answerDistributions(logprobs);
      return questions.map((q, i) => ({
        item: q.itemId,
        variant: q.variantId,
        prompt: tokenizer.applyChatTemplate(q.messages, { addGenerationPrompt: true }),
        options: q.answerKeys,
        optionValues: q.answerValues,
        loglikelihoods: [...logprobs[i]],
        chosen: q.answerKeys[argmaxAnswer(distributions[i], q.answerKeys.map((_, k) => k))],
        expected: expectedAnswer(distributions[i], q.answerValues),
      }));
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
  return { instrument: spec.instrument.name, scores: reading.scores, target: targetScores, loss, details: reading.details, ...(reading.units ? { units: reading.units } : {}) };
}

/** The DE objective (and one evaluation of eval): requests built once, then one scoring call and a loss per candidate. */
export interface Objective {
  prepared: PreparedInstrument;
  target: Target;
  resultFromLogprobs(logprobs: readonly (readonly number[])[]): InstrumentResult;
  /** Under the objective's own conditioning, or with the given soft prompt; `onSamples` receives every question as asked. */
  evaluate(softPrompt?: SoftPrompt, onProgress?: (done: number, total: number) => void, onSamples?: (samples: InstrumentSample[]) => void): Promise<InstrumentResult>;
  /** Several candidates in one scoring pass where the scorer supports it (the same numbers as one by one). */
  evaluateMany(softPrompts: readonly SoftPrompt[]): Promise<InstrumentResult[]>;
}

export interface ObjectiveOptions {
  /** How questions are asked when no candidate prompt is given: none, a persona, or a fixed soft prompt. */
  conditioning?: Conditioning;
  /** Where candidates' soft prompts go. */
  placement?: Placement;
  /** Ask one side of a run's held-out split only (absent: every question). */
  part?: SplitPart;
}

/** Refuses, before anything is written, a generating format on a scorer that cannot generate. */
function checkFormatRuns(scorer: Scorer, format: FormatSetting | undefined): void {
  if (!generates(format ?? CLASSIFY)) return;
  if (!scorer.generate) throw new UserError(`--format ${format!.name} needs a model that generates text`);
  scorer.checkGeneration?.();
}

export function prepareObjective(scorer: Scorer, spec: InstrumentSpec, target: Target, options: ObjectiveOptions = {}): Objective {
  checkFormatRuns(scorer, spec.format);
  const conditioning = options.conditioning ?? NO_CONDITIONING;
  const prepared = prepareInstrument(scorer.tokenizer, spec, target, conditioning, options.part);
  const fixed = softPromptOf(conditioning);
  const placement = options.placement ?? fixed.placement;
  const resultFromLogprobs = (logprobs: readonly (readonly number[])[]) => resultOf(spec, prepared.read(logprobs), target);
  return {
    prepared,
    target,
    resultFromLogprobs,
    evaluate: async (softPrompt, onProgress, onSamples) => {
      const [logprobs] = await prepared.logprobs(scorer, [softPrompt ?? fixed.softPrompt], { placement, onProgress });
      onSamples?.(prepared.samples(logprobs));
      return resultFromLogprobs(logprobs);
    },
    evaluateMany: async (softPrompts) => (await prepared.logprobs(scorer, softPrompts, { placement })).map(resultFromLogprobs),
  };
}

/** How run.json and eval records name an instrument: its name, its settings as plain JSON, and its format (absent in records older than formats: classify). */
export interface StoredInstrument {
  name: string;
  settings: object;
  format?: FormatSetting;
}

export function storedInstrument(spec: InstrumentSpec): StoredInstrument {
  return { name: spec.instrument.name, settings: spec.settings, format: formatSetting({}, spec.format) };
}

/** The instrument a record names, with its stored settings and format; `flags` given override them (eval --variants 1, --format cot). */
export function instrumentFromStored(stored: StoredInstrument, flags: SettingFlags = {}, formatFlags: FormatFlags = {}): InstrumentSpec {
  const instrument = instrumentNamed(stored.name);
  return { instrument, settings: instrument.settings(flags, stored.settings), format: formatSetting(formatFlags, stored.format) };
}

/** "VSM 2013" for classify, "VSM 2013, cot (64 new tokens)" for another format: how lines name what was asked. */
export function describeInstrument(spec: Pick<InstrumentSpec, 'instrument' | 'format'>): string {
  const format = spec.format ?? CLASSIFY;
  return generates(format) ? `${spec.instrument.title}, ${describeFormat(format)}` : spec.instrument.title;
}
