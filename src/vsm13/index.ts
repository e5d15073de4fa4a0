// The VSM 2013 instrument, Hofstede targets and the VSM13 loss: what other parts of cultune use.
export { DIMENSIONS, DIMENSION_NAMES, parseDimension, type Dimension, type DimensionScores, type PartialScores } from './dimensions.ts';
export { INDEX_FORMULAS, ITEM_COUNT, computeIndices, itemsOfDimension, type IndexTerm } from './indices.ts';
export {
  anchoredConstants,
  constantsFromJson,
  explicitConstants,
  parseDimensionAssignments,
  zeroConstants,
  type AnchorCountry,
  type IndexConstants,
} from './constants.ts';
export { kendallTauB, spearmanRho, averageRanks } from './rank-agreement.ts';
export { vsm13Loss, type LossMetric, type Vsm13Loss } from './loss.ts';
export type { Instrument, SurveyQuestion } from './instrument.ts';
export { surveyScoreRequests } from './survey-requests.ts';
export { answerDistributions, argmaxAnswer, expectedAnswer } from './answers.ts';
export { vsm13Items, itemId, type Vsm13Item } from './items.ts';
export { DEFAULT_VARIANTS, respondentVariants, type RespondentVariant } from './respondents.ts';
export { PHRASINGS, personaSentence, vsm13Question } from './prompts.ts';
export { VSM13, type AnswerMode, type ByAnswerMode, type Vsm13Scores, type Vsm13Settings } from './vsm13-instrument.ts';
export {
  evaluateVsm13,
  prepareVsm13,
  prepareVsm13Objective,
  vsm13Settings,
  type PreparedVsm13,
  type ScoringOptions,
  type Vsm13Objective,
  type Vsm13ObjectiveResult,
} from './evaluate.ts';
export { hofstedeTable, hofstedeRow, parseHofstedeTable, type HofstedeRow } from './hofstede-table.ts';
export { countryCatalogue, describeCountry, findCountry, lookupCountry, type CountryEntry, type CountryKind } from './countries.ts';
export { readTargetsFile, type TargetFile, type TargetFileEntry } from './target-file.ts';
export {
  describeSource,
  explainMissingDimensions,
  requireUsableTarget,
  resolveTarget,
  targetValues,
  type Fallback,
  type Target,
  type TargetRequest,
  type TargetSource,
  type TargetValue,
} from './targets.ts';
