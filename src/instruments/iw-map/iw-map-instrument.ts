import { readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.ts';
import { IVS_MAP_TABLE, resolveTarget, targetValues } from '../../targets/index.ts';
import { ANSWER_READERS, ANSWER_MODES, PHRASINGS, SURVEY_OPTIONS, meanAnswerPerItem, respondentIntro, respondentProfileCount, respondentVariants, surveySettings, type ByAnswerMode, type SurveySettings } from '../survey/index.ts';
import type { Instrument, SurveyQuestion } from '../types.ts';
import { respondentUnits } from '../survey/units.ts';
import { IVS_ITEMS, projectAnswers, recodeY002, recodeY003, Y003_QUALITIES, type IvsItem, type MapPosition } from './projection.ts';
import { reversedPrompt } from './reversed-prompts.ts';

interface QuestionsFile {
  ivs_questions: Record<IvsItem, { question: string }>;
}

let cached: QuestionsFile | undefined;

function questionText(item: IvsItem): string {
  cached ??= JSON.parse(readFileSync(new URL('./data/ivs_questions.json', import.meta.url), 'utf8')) as QuestionsFile;
  return cached.ivs_questions[item].question.trim();
}

/** The eight items answered with one number on a scale 1..n, as the reference prompts state it. */
const SCALES: Partial<Record<IvsItem, number>> = { A008: 4, A165: 2, E018: 3, E025: 3, F063: 10, F118: 10, F120: 10, G006: 4 };

/** Y002 is answered with two aims of four, the most important first: the twelve ordered pairs. */
const Y002_PAIRS = [1, 2, 3, 4].flatMap((a) => [1, 2, 3, 4].filter((b) => b !== a).map((b) => [a, b] as const));

/** The child qualities of Y003 that the index reads, with their names in the IVS list. */
const Y003_NAMES: Record<number, string> = { 2: 'Independence', 8: 'Determination, perseverance', 9: 'Religious faith', 11: 'Obedience' };
const y003Id = (quality: number) => `Y003:${quality}`;

/** Every answer the scores average, in order: the nine single answers, then one yes/no per Y003 quality. */
const READ_ITEMS = [...IVS_ITEMS.filter((i) => i !== 'Y003'), ...Object.values(Y003_QUALITIES).map(y003Id)];

const SURVEY_NAME = 'the World Values Survey';

/**
 * The questions of one respondent: the reference prompts, each after the respondent's sentence; with
 * `reversed`, their options in the reverse order (reversed-prompts.ts), each answer keeping its value
 * on the item's own coding.
 */
function respondentQuestions(intro: string, variantId: string, reversed: boolean): SurveyQuestion[] {
  const ask = (itemId: string, text: string, answerKeys: string[], answerValues: number[]): SurveyQuestion => ({
    itemId,
    variantId,
    messages: [{ role: 'user', content: `${intro}\n\n${text}` }],
    answerKeys,
    answerValues,
  });
  const text = (item: Exclude<IvsItem, 'Y003'>) => (reversed ? reversedPrompt(item, questionText(item)) : questionText(item));
  // Reversed, answer k names what answer size + 1 - k names in the reference order.
  const scaled = Object.entries(SCALES).map(([item, size]) => {
    const keys = Array.from({ length: size }, (_, i) => i + 1);
    return ask(item, text(item as Exclude<IvsItem, 'Y003'>), keys.map(String), keys.map((k) => (reversed ? size + 1 - k : k)));
  });
  const aim = (k: number) => (reversed ? 5 - k : k);
  const y002 = ask('Y002', text('Y002'), Y002_PAIRS.map(([a, b]) => `${a}, ${b}`), Y002_PAIRS.map(([a, b]) => recodeY002(aim(a), aim(b))));
  // "Up to five of eleven" has 1,023 answers; Y003 reads only whether four qualities are among them, so each is asked on its own.
  const [yes, no] = [{ key: 'Yes', value: 1 }, { key: 'No', value: 0 }];
  const yesNo = reversed ? [no, yes] : [yes, no];
  const y003 = Object.values(Y003_QUALITIES).map((q) =>
    ask(
      y003Id(q),
      `${questionText('Y003')}\n\nIs ${q} (${Y003_NAMES[q]}) one of the qualities you choose? Answer ${yesNo[0].key} or ${yesNo[1].key}.`,
      yesNo.map((a) => a.key),
      yesNo.map((a) => a.value),
    ),
  );
  return [...scaled, y002, ...y003];
}

/**
 * The map's settings: the survey's, and the option orders asked. `balanced`: every respondent answers
 * each item in the reference order and reversed, and the answers are averaged, so a preference for
 * the first or the last option cancels. `forward`: the reference order only, as runs made before
 * order balancing were asked (their run.json records no order, and reads so).
 */
export interface IwMapSettings extends SurveySettings {
  order: 'balanced' | 'forward';
}

export interface IwMapScores {
  /** Each item's answer on the projection's coding (Y002 and Y003 recoded), mean over the respondent variants. */
  answers: ByAnswerMode<Record<IvsItem, number>>;
  /** Where the answers project on the map. */
  positions: ByAnswerMode<MapPosition>;
  variants: number;
}

/**
 * The Inglehart-Welzel cultural map: ten IVS items, projected with the reference study's fixed affine
 * map onto PC1 (survival -> self-expression) and PC2 (traditional -> secular-rational); the loss is
 * the Euclidean distance to the country's position in Table S5. Each item is asked in both option
 * orders and the answers averaged (the reference study asks one order only).
 */
export const IW_MAP: Instrument<IwMapSettings, IwMapScores> = {
  name: 'iw-map',
  title: 'Inglehart-Welzel map',
  columns: [
    { name: 'PC1', title: 'survival - self-expression', digits: 2 },
    { name: 'PC2', title: 'traditional - secular-rational', digits: 2 },
  ],
  options: SURVEY_OPTIONS,
  table: IVS_MAP_TABLE,
  // The projection needs all ten items, so a held-out split keeps them and holds out respondents (one variant each).
  holdout: { by: 'respondent', variantsPerRespondent: 1 },
  // The projection is affine in the answers, so respondents' positions average to the whole evaluation's.
  breakdown: {
    unit: 'respondent',
    units: (questions, distributions, settings, target) => respondentUnits(IW_MAP, questions, distributions, settings, target),
    loss: (named, target) => Math.hypot(named.PC1 - target.PC1, named.PC2 - target.PC2),
  },

  settings(flags, base) {
    const settings: IwMapSettings = { ...surveySettings(flags, base), order: base ? (base.order ?? 'forward') : 'balanced' };
    if (settings.variants > respondentProfileCount()) throw new UserError(`--variants: the Inglehart-Welzel map varies the respondent only, 1 to ${respondentProfileCount()}, got ${settings.variants}`);
    return settings;
  },

  target: (request) => resolveTarget(IVS_MAP_TABLE, request),

  questions(settings) {
    // The reference prompts state each scale in their own words, so the variants differ by respondent and option order only.
    const variants = respondentVariants(2 * settings.variants, PHRASINGS, settings.respondents).filter((v) => settings.order === 'balanced' || !v.reversed);
    return variants.flatMap((v) => respondentQuestions(respondentIntro(SURVEY_NAME, v.profile), v.id, v.reversed));
  },

  scores(questions, distributions, settings) {
    const read = (mode: (typeof ANSWER_MODES)[number]) => {
      const means = meanAnswerPerItem(READ_ITEMS, questions, distributions, ANSWER_READERS[mode]);
      const mean = (id: string) => means[READ_ITEMS.indexOf(id)];
      const answers = Object.fromEntries(IVS_ITEMS.map((item) => [item, item === 'Y003' ? recodeY003((q) => mean(y003Id(q))) : mean(item)])) as Record<IvsItem, number>;
      return answers;
    };
    const answers = { expected: read('expected'), argmax: read('argmax') };
    return { answers, positions: { expected: projectAnswers(answers.expected), argmax: projectAnswers(answers.argmax) }, variants: settings.variants };
  },

  named: (scores, settings) => ({ ...scores.positions[settings.answer] }),

  loss(scores, target, settings) {
    const want = targetValues(target);
    const missing = ['PC1', 'PC2'].filter((axis) => want[axis] === undefined);
    if (missing.length > 0) throw new UserError(`the Inglehart-Welzel target of ${target.country.name} has no ${missing.join(' and ')}: the distance needs both`);
    const at = scores.positions[settings.answer];
    const difference = { PC1: at.PC1 - want.PC1, PC2: at.PC2 - want.PC2 };
    return {
      value: Math.hypot(difference.PC1, difference.PC2),
      metric: 'euclidean distance',
      perScore: { PC1: Math.abs(difference.PC1), PC2: Math.abs(difference.PC2) },
      difference,
      missing: [],
    };
  },

  describeSettings: (settings) => [
    `Euclidean distance on the map, ${settings.answer} answers, ${settings.variants} respondent variants, ${
      settings.order === 'balanced' ? 'each item in both option orders' : 'the reference option order only (a run made before order balancing)'
    } (the reference projection; Y003's weights are near zero in it)`,
  ],
};
