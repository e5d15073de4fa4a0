import { displayPath } from '../../util/display-path.ts';
import { UserError } from '../../util/errors.ts';
import { PHRASINGS, positiveInteger, respondentIntro, respondentVariants, SURVEY_OPTIONS, surveySettings } from '../survey/index.ts';
import type { Instrument, SurveyQuestion } from '../types.ts';
import { loadGlobalOpinions, type OpinionData } from './dataset.ts';
import { similarity, type QuestionKind } from './similarity.ts';
import { opinionTarget, type OpinionReference } from './target.ts';

export interface OpinionSettings {
  /** Respondent variants: pairs of a profile with the options in survey order and reversed. */
  variants: number;
  /** Only the country's first n questions (dataset order); null: all of them. */
  questions: number | null;
}

export interface OpinionScores {
  /** Mean similarity over the questions asked. */
  similarity: number;
  perQuestion: { question: string; kind: QuestionKind; similarity: number; model: number[] }[];
  /** Questions left out because the country's distribution is all zero. */
  skipped: number;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SURVEY_NAME = 'the Pew Global Attitudes Survey and the World Values Survey';

let loaded: OpinionData | undefined;

function reference(target: { reference?: unknown } | undefined): OpinionReference {
  const ref = target?.reference as OpinionReference | undefined;
  if (!ref || !Array.isArray(ref.questions)) throw new UserError('globalopinionqa asks each country its own questions: give --country');
  return ref;
}

function asked(settings: OpinionSettings, ref: OpinionReference): OpinionReference['questions'] {
  return settings.questions === null ? ref.questions : ref.questions.slice(0, settings.questions);
}

/** One question as one respondent sees it: the options lettered, in survey order or reversed; each letter's value is its option's index. */
function opinionQuestion(index: number, q: OpinionReference['questions'][number], intro: string, variantId: string, reversed: boolean): SurveyQuestion {
  const order = q.options.map((_, i) => i);
  if (reversed) order.reverse();
  const keys = order.map((_, i) => LETTERS[i]);
  const lines = [intro, '', q.question, '', ...order.map((o, i) => `${keys[i]}. ${q.options[o]}`), '', 'Answer with the letter of your answer only.'];
  return { itemId: String(index), variantId, messages: [{ role: 'user', content: lines.join('\n') }], answerKeys: keys, answerValues: order };
}

/**
 * GlobalOpinionQA (Durmus et al. 2023): Pew and WVS questions with each country's answer distribution.
 * The model's distribution over a question's options (softmax of their log-probs, averaged over the
 * respondent variants) is compared with the country's: 1 - Wasserstein over ordinal options, 1 -
 * Jensen-Shannon for nominal ones, averaged over the country's questions. The loss is 1 - that mean.
 */
export const GLOBAL_OPINION_QA: Instrument<OpinionSettings, OpinionScores> = {
  name: 'globalopinionqa',
  title: 'GlobalOpinionQA',
  columns: [{ name: 'similarity', title: 'mean similarity to the country', digits: 3 }],
  options: [
    SURVEY_OPTIONS[0],
    { flags: '--questions <n>', key: 'questions', description: "GlobalOpinionQA: only the country's first n questions", defaultText: 'all' },
  ],
  holdout: { by: 'question' },
  // The similarity is a mean over questions: each question is a unit.
  breakdown: {
    unit: 'question',
    units: (questions, distributions, settings, target) =>
      GLOBAL_OPINION_QA.scores(questions, distributions, settings, target).perQuestion.map((q) => ({ id: q.question, weight: 1, scores: { similarity: q.similarity } })),
    loss: (named) => 1 - named.similarity,
  },

  async loadData(source) {
    loaded = await loadGlobalOpinions(source);
    return `GlobalOpinionQA: ${loaded.questions.length} questions from ${displayPath(loaded.file.path)} (${loaded.file.origin})`;
  },

  settings(flags, base) {
    const { variants } = surveySettings({ variants: flags.variants }, base && { variants: base.variants, answer: 'expected' });
    const questions = flags.questions !== undefined ? positiveInteger(flags.questions, '--questions') : (base?.questions ?? null);
    return { variants, questions };
  },

  target(request) {
    if (!loaded) throw new Error('globalopinionqa: loadData must run before target');
    const target = opinionTarget(loaded, request);
    if (reference(target).questions.length === 0) throw new UserError(`GlobalOpinionQA has no answered question for ${reference(target).label}`);
    return target;
  },

  questions(settings, target) {
    const ref = reference(target);
    const items = asked(settings, ref);
    return respondentVariants(settings.variants, PHRASINGS).flatMap((v) =>
      items.map((q, i) => opinionQuestion(i, q, respondentIntro(SURVEY_NAME, v.profile), v.id, v.reversed)),
    );
  },

  scores(questions, distributions, settings, target) {
    const items = asked(settings, reference(target));
    // Each question's distribution over its options in survey order, averaged over the respondent variants.
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
      const { kind, value } = similarity(q.options, distribution, q.distribution);
      return [{ question: q.question, kind, similarity: value, model: distribution }];
    });
    return { similarity: perQuestion.reduce((s, q) => s + q.similarity, 0) / perQuestion.length, perQuestion, skipped: reference(target).skipped };
  },

  named: (scores) => ({ similarity: scores.similarity }),

  loss: (scores) => ({ value: 1 - scores.similarity, metric: '1 - mean similarity', perScore: { similarity: 1 - scores.similarity }, difference: {}, missing: [] }),

  describeSettings: (settings) => [
    `1 - mean similarity (Wasserstein for ordinal options, Jensen-Shannon for nominal), ${settings.variants} respondent variants, ${settings.questions ?? 'all'} questions`,
  ],
};
