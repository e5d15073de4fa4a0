import { SeededStream } from '../../../util/seeded-random.ts';
import type { ChatMessage, Placement, ScoreRequest, Scorer, SoftPrompt, TextTokenizer } from '../../../model/types.ts';
import type { Target } from '../../../targets/index.ts';
import { buildScoreRequest } from '../../requests.ts';
import { scoreUnderPrompts } from '../../evaluator.ts';
import { answerDistributions } from '../../survey/answers.ts';
import type { NamedScores, ScoreUnits, SurveyQuestion } from '../../types.ts';
import { MULTITP, type MultiTpScores, type MultiTpSettings } from '../multitp-instrument.ts';
import type { Dimension } from '../source-facts.ts';
import { debiasedGap, runningCountryPrior, sparingProbability, steer, type DiscaParameters, type DiscaStep } from './estimator.ts';

/**
 * DISCA's per-attribute logit temperatures T_cat (paper, Table "six moral dimensions"): every gap is
 * divided by its dimension's before steering, as the authors' controller divides the decision logits.
 */
export const LOGIT_TEMPERATURES: Readonly<Record<Dimension, number>> = {
  Species: 4.0,
  Gender: 3.5,
  Age: 1.5,
  Fitness: 1.5,
  SocialValue: 1.5,
  Utilitarianism: 1.5,
};

/** What one DISCA evaluation steers with: the country's panel, the estimator's parameters and the draws' seed. */
export interface DiscaPlan {
  panel: string[];
  parameters: DiscaParameters;
  seed: number;
  /** The mismatched-panel control: the country whose panel `panel` is, when it is not the one asked about. */
  panelFrom?: string;
}

/** The MultiTP questions under DISCA's panel: the base prompt (index 0) and each persona as a system message, every question in every order. */
export interface PreparedDisca {
  questions: SurveyQuestion[];
  /** Base requests first, then each persona's, in the questions' order: members × questions. */
  requests: ScoreRequest[];
  members: number;
  /** Steers the log-probs of `requests` into MultiTP's scores. */
  read(logprobs: readonly (readonly number[])[]): DiscaReading;
}

export interface DiscaReading {
  /** MultiTP's record of the steered sparing probabilities. */
  details: MultiTpScores;
  scores: NamedScores;
  /** The steered answers dilemma by dilemma (MultiTP's breakdown), for intervals and paired tests. */
  units: ScoreUnits;
  /** The unsteered model's preferences (the base prompt's answers), for comparison. */
  base: NamedScores;
  /** Means over dilemmas of the steering's parts. */
  summary: { dilemmas: number; meanGate: number; meanCorrection: number; meanBlend: number; guardTripped: number };
}

const dimensionOf = (q: SurveyQuestion) => q.itemId.split(' ')[0] as Dimension;

/** The gap toward the preferred group: its answer's log-prob minus the other's. */
function preferredGap(q: SurveyQuestion, logprobs: readonly number[]): number {
  const preferred = q.answerValues.indexOf(1);
  return logprobs[preferred] - logprobs[1 - preferred];
}

/**
 * Builds DISCA's requests for one country's panel: (1 + personas) × the instrument's questions (or the
 * ones given: one side of a held-out split), so one `scorer.score` call scores them all (sharing the
 * questions' tokens where the scorer batches prefixes).
 */
export function prepareDisca(
  tokenizer: TextTokenizer,
  settings: MultiTpSettings,
  target: Target | undefined,
  panel: readonly string[],
  parameters: DiscaParameters,
  seed: number,
  questions: SurveyQuestion[] = MULTITP.questions(settings, target),
): PreparedDisca {
  const members: (string | undefined)[] = [undefined, ...panel];
  const requests = members.flatMap((persona) =>
    questions.map((q) => {
      const messages: ChatMessage[] = persona === undefined ? q.messages : [{ role: 'system', content: persona }, ...q.messages];
      return buildScoreRequest(tokenizer, messages, q.answerKeys, `MultiTP item ${q.itemId}`);
    }),
  );
  return { questions, requests, members: members.length, read: (logprobs) => readDisca(questions, members.length, logprobs, settings, target, parameters, seed) };
}

function readDisca(questions: SurveyQuestion[], members: number, logprobs: readonly (readonly number[])[], settings: MultiTpSettings, target: Target | undefined, p: DiscaParameters, seed: number): DiscaReading {
  const at = (member: number, question: number) => logprobs[member * questions.length + question];
  // A dilemma's questions: its two orders, listed order first (vignettes.ts).
  const dilemmas = new Map<string, number[]>();
  questions.forEach((q, i) => dilemmas.set(q.itemId, [...(dilemmas.get(q.itemId) ?? []), i]));
  const normal = new SeededStream(seed);
  const prior = p.variant === 'code' ? runningCountryPrior() : (gap: number) => gap;
  const sparing = new Array<number>(questions.length);
  const steps: DiscaStep[] = [];
  for (const indices of dilemmas.values()) {
    const temperature = LOGIT_TEMPERATURES[dimensionOf(questions[indices[0]])];
    // δ = z_B − z_A with the preferred group as B, debiased with the order that shows it as A (paper §3.3); without debiasing, the listed order alone.
    const original = indices.find((i) => questions[i].answerValues[1] === 1);
    const swapped = indices.find((i) => i !== original);
    const gapOf = (member: number) => {
      const gap = (i: number) => preferredGap(questions[i], at(member, i)) / temperature;
      if (p.ablation === 'no-debiasing' || original === undefined || swapped === undefined) return gap(indices[0]);
      const d = (i: number) => (at(member, i)[1] - at(member, i)[0]) / temperature;
      return debiasedGap(d(original), d(swapped));
    };
    const step = steer(gapOf(0), Array.from({ length: members - 1 }, (_, m) => gapOf(m + 1)), () => normal.normal(), p);
    steps.push(step);
    const probability = sparingProbability(prior(step.gap), p.decisionTemperature);
    for (const i of indices) sparing[i] = probability;
  }
  const distributions = questions.map((q, i) => q.answerValues.map((v) => (v === 1 ? sparing[i] : 1 - sparing[i])));
  const details = MULTITP.scores(questions, distributions, settings, target);
  const baseDetails = MULTITP.scores(questions, answerDistributions(questions.map((_, i) => at(0, i))), settings, target);
  const mean = (f: (s: DiscaStep) => number) => steps.reduce((s, step) => s + f(step), 0) / steps.length;
  return {
    details,
    scores: MULTITP.named(details, settings),
    units: { unit: MULTITP.breakdown!.unit, values: MULTITP.breakdown!.units(questions, distributions, settings, target) },
    base: MULTITP.named(baseDetails, settings),
    summary: {
      dilemmas: steps.length,
      meanGate: mean((s) => s.gate),
      meanCorrection: mean((s) => Math.abs(s.correction)),
      meanBlend: mean((s) => s.blend),
      guardTripped: steps.reduce((n, s) => n + s.passes.filter((pass) => pass.correction === 0 && p.ablation !== 'no-is').length, 0),
    },
  };
}

/** Scores a prepared panel in one scorer call (under a soft prompt where given: soft prompt + DISCA) and steers it. */
export async function runDisca(scorer: Scorer, prepared: PreparedDisca, options: { softPrompt?: SoftPrompt; placement?: Placement; onProgress?: (done: number, total: number) => void } = {}): Promise<DiscaReading> {
  const { softPrompt, ...rest } = options;
  const [logprobs] = await scoreUnderPrompts(scorer, prepared.requests, [softPrompt], rest);
  return prepared.read(logprobs);
}
