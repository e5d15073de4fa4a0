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
import { respondentUnits } from '../survey/units.ts';
import { askedConstants, constantsFromFlag, isFitted, zeroConstants, type ConstantsSetting, type IndexConstants } from './constants.ts';
import { computeIndices } from './indices.ts';
import { itemId, vsm13Items } from './items.ts';
import { LOSS_METRICS, vsm13Loss, type LossMetric } from './loss.ts';

export interface Vsm13Settings extends SurveySettings {
  /** The constants C added to each raw index: the scale the indices are compared on (anchored ones are fitted once the model is loaded). */
  constants: ConstantsSetting;
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

/** "PDI 12.3, IDV -4.0, ...": the values of C. */
export function constantsValues(constants: IndexConstants): string {
  return DIMENSIONS.map((d) => `${d} ${constants.values[d].toFixed(1)}`).join(', ');
}

/** How the constants were chosen, in words: the scale a reader must know to read a loss. */
export function describeConstants(constants: ConstantsSetting): string {
  if (!isFitted(constants)) return `anchored on ${constants.panel.length} countries (fitted on the model under the persona condition before it is evaluated)`;
  if (constants.kind === 'zero') return 'zero (raw VSM 2013 scale: only the C-free rank measures compare with published scores)';
  const fit = constants.calibration;
  if (!fit) return `${constants.kind} (${constantsValues(constants)})`;
  return `anchored on ${fit.anchors.length} countries, ${fit.condition} condition${fit.leftOut ? `, leaving out ${fit.leftOut}` : ''} (${constantsValues(constants)})`;
}

/** Fitted constants; anchored ones that were never fitted are a programming error (calibration.ts fits them before any evaluation). */
function fitted(constants: ConstantsSetting): IndexConstants {
  if (!isFitted(constants)) throw new Error('VSM 2013 anchored constants are not fitted yet: calibratedSpec (vsm13/calibration.ts) must run before the instrument is evaluated');
  return constants;
}

/**
 * `--constants` given, else the stored run's (a run stored before constants had a default reads as
 * zero), else anchored on the default panel. Asking `anchored` again of a run fitted on the same panel
 * keeps its fitted values: training and evaluation of a run use one C.
 */
function constantsSetting(flag: string | undefined, base: Vsm13Settings | undefined): ConstantsSetting {
  const stored = base ? (base.constants ?? zeroConstants()) : undefined;
  if (flag === undefined) return stored ?? constantsFromFlag('anchored');
  const asked = constantsFromFlag(flag);
  return stored && !isFitted(asked) && JSON.stringify(askedConstants(stored)) === JSON.stringify(asked) ? stored : asked;
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
    {
      flags: '--constants <c>',
      key: 'constants',
      description: 'VSM 2013 index constants C: anchored (fitted on a panel of countries, the published scale), anchored:US,DE,... (your panel), zero (raw scale), DIM=NUMBER pairs (others 0), or a JSON file',
      defaultText: 'anchored',
    },
    { flags: '--metric <metric>', key: 'metric', choices: LOSS_METRICS, description: 'VSM 2013 loss: l1 mean absolute or l2 mean squared difference', defaultText: 'l1' },
  ],
  table: HOFSTEDE_TABLE,
  // Every index needs all 24 items, so a held-out split keeps them and holds out respondents (both phrasings, both orders).
  holdout: { by: 'respondent', variantsPerRespondent: 2 * PHRASINGS },
  // Indices are affine in the item means, so respondents' indices average to the whole evaluation's.
  breakdown: {
    unit: 'respondent',
    units: (questions, distributions, settings, target) => respondentUnits(VSM13, questions, distributions, settings, target),
    loss: (named, target, settings) => vsm13Loss(named as DimensionScores, target, { metric: settings.metric }).value,
  },

  settings(flags, base) {
    return {
      ...surveySettings(flags, base),
      constants: constantsSetting(flags.constants, base),
      metric: flags.metric !== undefined ? oneOf(flags.metric, LOSS_METRICS, '--metric') : (base?.metric ?? 'l1'),
    };
  },

  target: (request) => resolveTarget(HOFSTEDE_TABLE, request),

  questions(settings) {
    const items = vsm13Items().map((item) => ({ id: itemId(item.number), question: item.question, labels: item.labels }));
    return respondentVariants(settings.variants, PHRASINGS, settings.respondents).flatMap((variant) => items.map((item) => scaleQuestion(item, variant, SURVEY_NAME)));
  },

  scores(questions, distributions, settings) {
    const means = (mode: keyof typeof ANSWER_READERS) => meanAnswerPerItem(ITEM_IDS(), questions, distributions, ANSWER_READERS[mode]);
    const constants = fitted(settings.constants);
    const itemMeans = { expected: means('expected'), argmax: means('argmax') };
    const indicesWith = (constants: DimensionScores) => ({
      expected: computeIndices(itemMeans.expected, constants),
      argmax: computeIndices(itemMeans.argmax, constants),
    });
    return {
      itemMeans,
      rawIndices: indicesWith(zeroConstants().values),
      indices: indicesWith(constants.values),
      constants,
      variants: settings.variants,
    };
  },

  named: (scores, settings) => ({ ...scores.indices[settings.answer] }),

  askedSettings: (settings) => ({ ...settings, constants: askedConstants(settings.constants) }),

  loss: (scores, target, settings) => vsm13Loss(scores.indices[settings.answer], targetValues(target), { metric: settings.metric }),

  describeSettings: (settings) => [
    `constants C: ${describeConstants(settings.constants)}`,
    `loss ${settings.metric.toUpperCase()} over the dimensions, ${settings.answer} answers, ${settings.variants} respondent variants`,
  ],
};
