import { displayPath } from '../../util/display-path.ts';
import { describeSetAside } from '../../util/set-aside.ts';
import { UserError } from '../../util/errors.ts';
import { oneOf, positiveInteger } from '../survey/index.ts';
import type { Instrument } from '../types.ts';
import { loadGlobalOpinions, type OpinionData } from './dataset.ts';
import { describeMetric, OPINION_METRICS, questionSimilarity, type QuestionSimilarity } from './metric.ts';
import { durmusQuestions, legacyRespondentQuestions } from './prompts.ts';
import { opinionTarget, type OpinionReference } from './target.ts';

/**
 * A run's GlobalOpinionQA settings. Current runs ask Durmus et al.'s prompt in both option orders and
 * score by `metric`. A run.json from before (no metric recorded) reads as `legacy-keyword` with its
 * respondent variants, and is asked and scored as it was trained (prompts.ts, legacy-keyword.ts).
 */
export type OpinionSettings =
  | { metric: 'jsd' | 'wasserstein'; questions: number | null }
  | { metric: 'legacy-keyword'; questions: number | null; variants: number };

export interface OpinionScores {
  /** Mean similarity over the questions asked. */
  similarity: number;
  /** The metric it was computed with. */
  metric: OpinionSettings['metric'];
  perQuestion: ({ question: string; similarity: number; model: number[] } & Omit<QuestionSimilarity, 'value'>)[];
  /** Under wasserstein: questions compared by 1 - Jensen-Shannon distance because their options are no scale of the table. */
  fellBack: number;
  /** Questions left out because the country's distribution is all zero. */
  skipped: number;
}

function reference(target: { reference?: unknown } | undefined): OpinionReference {
  const ref = target?.reference as OpinionReference | undefined;
  if (!ref || !Array.isArray(ref.questions)) throw new UserError('globalopinionqa asks each country its own questions: give --country');
  return ref;
}

function asked(settings: OpinionSettings, ref: OpinionReference): OpinionReference['questions'] {
  return settings.questions === null ? ref.questions : ref.questions.slice(0, settings.questions);
}

/** The settings a run.json written before metrics were recorded holds: respondent variants, no metric. */
interface PreMetricSettings {
  metric?: undefined;
  variants: number;
  questions: number | null;
}

/**
 * GlobalOpinionQA (Durmus et al. 2023): Pew and WVS questions with each country's answer distribution.
 * The model's distribution over a question's options (softmax of their log-probs, averaged over the
 * two option orders) is compared with the country's by the run's metric (metric.ts: by default 1 -
 * Jensen-Shannon distance, as Durmus et al.), averaged over the country's questions. The loss is 1 -
 * that mean.
 */
export const GLOBAL_OPINION_QA: Instrument<OpinionSettings, OpinionScores, OpinionData> = {
  name: 'globalopinionqa',
  title: 'GlobalOpinionQA',
  columns: [{ name: 'similarity', title: 'mean similarity to the country', digits: 3 }],
  options: [
    { flags: '--questions <n>', key: 'questions', description: "GlobalOpinionQA: only the country's first n questions", defaultText: 'all' },
    {
      flags: '--metric <metric>',
      key: 'metric',
      choices: OPINION_METRICS,
      description: 'GlobalOpinionQA similarity: jsd, 1 - Jensen-Shannon distance (Durmus et al. 2023); wasserstein, 1 - W1/(n-1) on ordinal and binary scales',
      defaultText: 'jsd',
    },
  ],
  holdout: { by: 'question' },
  // The similarity is a mean over questions: each question is a unit.
  breakdown: {
    unit: 'question',
    units: (questions, distributions, settings, target) =>
      GLOBAL_OPINION_QA.scores(questions, distributions, settings, target).perQuestion.map((q) => ({ id: q.question, weight: 1, scores: { similarity: q.similarity } })),
    loss: (named) => 1 - named.similarity,
  },

  async loadData(source, environment) {
    const data = await loadGlobalOpinions(source, environment);
    return { data, description: `GlobalOpinionQA: ${data.questions.length} questions from ${displayPath(data.file.path)} (${data.file.origin})${data.setAside.length > 0 ? `; ${describeSetAside(data.setAside)}` : ''}` };
  },

  settings(flags, base) {
    const stored = base as OpinionSettings | PreMetricSettings | undefined;
    const questions = flags.questions !== undefined ? positiveInteger(flags.questions, '--questions') : (stored?.questions ?? null);
    // --metric asks for the current protocol, in an old run's evaluation too (its run.json is left as it is).
    if (flags.metric !== undefined) return { metric: oneOf(flags.metric, OPINION_METRICS, '--metric'), questions };
    if (stored === undefined) return { metric: 'jsd', questions };
    // A run stored before metrics were recorded keeps the protocol it was trained with, under its own name.
    if (stored.metric === undefined) return { metric: 'legacy-keyword', questions, variants: stored.variants };
    return { ...stored, questions };
  },

  target(request, data) {
    // The caller hands over what loadData returned: a caller that did not load it is a bug, not bad input.
    if (!data) throw new Error('globalopinionqa: target needs the dataset loadData returned');
    const target = opinionTarget(data, request);
    if (reference(target).questions.length === 0) throw new UserError(`GlobalOpinionQA has no answered question for ${reference(target).label}`);
    return target;
  },

  questions(settings, target) {
    const items = asked(settings, reference(target));
    return settings.metric === 'legacy-keyword' ? legacyRespondentQuestions(items, settings.variants) : durmusQuestions(items);
  },

  scores(questions, distributions, settings, target) {
    const items = asked(settings, reference(target));
    // Each question's distribution over its options in survey order, averaged over its option orders (and, in legacy runs, respondents).
    const model = items.map((q) => new Array<number>(q.options.length).fill(0));
    const seen = new Array<number>(items.length).fill(0);
    questions.forEach((q, n) => {
      const item = Number(q.itemId);
      q.answerValues.forEach((option, k) => (model[item][option] += distributions[n][k]));
      seen[item]++;
    });
    // Over the questions asked: one side of a held-out split asks some of them.
    const perQuestion = items.flatMap((q, i) => {
      if (seen[i] === 0) return [];
      const distribution = model[i].map((v) => v / seen[i]);
      const { kind, measure, value } = questionSimilarity(settings.metric, q.options, distribution, q.distribution);
      return [{ question: q.question, kind, measure, similarity: value, model: distribution }];
    });
    return {
      similarity: perQuestion.reduce((s, q) => s + q.similarity, 0) / perQuestion.length,
      metric: settings.metric,
      perQuestion,
      fellBack: settings.metric === 'wasserstein' ? perQuestion.filter((q) => q.measure === 'jsd').length : 0,
      skipped: reference(target).skipped,
    };
  },

  named: (scores) => ({ similarity: scores.similarity }),

  // The metric's name goes with every loss line and record, so a legacy-keyword figure never passes for a current one.
  loss: (scores) => ({ value: 1 - scores.similarity, metric: `1 - mean similarity (${scores.metric})`, perScore: { similarity: 1 - scores.similarity }, difference: {}, missing: [] }),

  describeSettings: (settings) => [
    `1 - mean similarity, ${describeMetric(settings.metric)}; ${settings.questions ?? 'all'} questions, ${
      settings.metric === 'legacy-keyword' ? `${settings.variants} respondent variants` : "Durmus et al.'s prompt, each question in both option orders"
    }`,
  ],
};
