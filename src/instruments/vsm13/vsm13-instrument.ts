import { DIMENSIONS, DIMENSION_NAMES, HOFSTEDE_TABLE, resolveTarget, targetValues, type DimensionScores } from '../../targets/index.ts';
import {
  ANSWER_READERS,
  PHRASINGS,
  SURVEY_OPTIONS,
  meanAnswerPerItem,
  oneOf,
  respondentVariants,
  scaleQuestion,
  surveySettings,
  type ByAnswerMode,
  type SurveySettings,
} from '../survey/index.ts';
import type { Instrument } from '../types.ts';
import { constantsFromFlag, zeroConstants, type IndexConstants } from './constants.ts';
import { computeIndices } from './indices.ts';
import { itemId, vsm13Items } from './items.ts';
import { LOSS_METRICS, vsm13Loss, type LossMetric } from './loss.ts';

export interface Vsm13Settings extends SurveySettings {
  /** The constants C added to each raw index: the scale the indices are compared on. */
  constants: IndexConstants;
  metric: LossMetric;
}

export interface Vsm13Scores {
  /** Mean answer (1..5) per item over the respondent variants; index 0 is m01. */
  itemMeans: ByAnswerMode<number[]>;
  /** Indices with C = 0: what anchored constants are computed from. */
  rawIndices: ByAnswerMode<DimensionScores>;
  /** Indices with the settings' constants: what is compared with the published scores. */
  indices: ByAnswerMode<DimensionScores>;
  constants: IndexConstants;
  variants: number;
}

/** How the questionnaire is named in the respondent sentence. */
const SURVEY_NAME = 'the Values Survey Module 2013';

const ITEM_IDS = () => vsm13Items().map((item) => itemId(item.number));

function formatConstants(constants: IndexConstants): string {
  if (constants.kind === 'zero') return 'zero (raw VSM 2013 scale: only the C-free rank measures compare with published scores)';
  return `${constants.kind} (${DIMENSIONS.map((d) => `${d} ${constants.values[d].toFixed(1)}`).join(', ')})`;
}

/**
 * Hofstede's Values Survey Module 2013: 24 items on five-point scales, six indices by the manual's
 * formulas plus constants C, compared with the country's published scores (Hofstede 6-D table).
 */
export const VSM13: Instrument<Vsm13Settings, Vsm13Scores> = {
  name: 'vsm13',
  title: 'VSM 2013',
  columns: DIMENSIONS.map((d) => ({ name: d, title: DIMENSION_NAMES[d], digits: 1 })),
  options: [
    ...SURVEY_OPTIONS,
    { flags: '--constants <c>', key: 'constants', description: 'VSM 2013 index constants C: zero, DIM=NUMBER pairs (others 0), or a JSON file', defaultText: 'zero' },
    { flags: '--metric <metric>', key: 'metric', choices: LOSS_METRICS, description: 'VSM 2013 loss: l1 mean absolute or l2 mean squared difference', defaultText: 'l1' },
  ],
  table: HOFSTEDE_TABLE,

  settings(flags, base) {
    return {
      ...surveySettings(flags, base),
      constants: flags.constants !== undefined ? constantsFromFlag(flags.constants) : (base?.constants ?? zeroConstants()),
      metric: flags.metric !== undefined ? oneOf(flags.metric, LOSS_METRICS, '--metric') : (base?.metric ?? 'l1'),
    };
  },

  target: (request) => resolveTarget(HOFSTEDE_TABLE, request),

  questions(settings) {
    const items = vsm13Items().map((item) => ({ id: itemId(item.number), question: item.question, labels: item.labels }));
    return respondentVariants(settings.variants, PHRASINGS).flatMap((variant) => items.map((item) => scaleQuestion(item, variant, SURVEY_NAME)));
  },

  scores(questions, distributions, settings) {
    const means = (mode: keyof typeof ANSWER_READERS) => meanAnswerPerItem(ITEM_IDS(), questions, distributions, ANSWER_READERS[mode]);
    const itemMeans = { expected: means('expected'), argmax: means('argmax') };
    const indicesWith = (constants: DimensionScores) => ({
      expected: computeIndices(itemMeans.expected, constants),
      argmax: computeIndices(itemMeans.argmax, constants),
    });
    return {
      itemMeans,
      rawIndices: indicesWith(zeroConstants().values),
      indices: indicesWith(settings.constants.values),
      constants: settings.constants,
      variants: settings.variants,
    };
  },

  named: (scores, settings) => ({ ...scores.indices[settings.answer] }),

  loss: (scores, target, settings) => vsm13Loss(scores.indices[settings.answer], targetValues(target), { metric: settings.metric }),

  describeSettings: (settings) => [
    `constants C: ${formatConstants(settings.constants)}`,
    `loss ${settings.metric.toUpperCase()} over the dimensions, ${settings.answer} answers, ${settings.variants} respondent variants`,
  ],
};
