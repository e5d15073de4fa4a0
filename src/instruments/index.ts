// The instrument seam: the contract, the survey plumbing, the one request builder, conditioning, the objective and the registry.
export type { AnyInstrument, DataSource, Instrument, LoadedData, InstrumentLoss, InstrumentResult, NamedScores, ScoreBreakdown, ScoreUnit, ScoreUnits, ScoreColumn, SettingFlags, SettingOption, SurveyQuestion } from './types.ts';
export { buildScoreRequest, continuationText, IndistinctAnswersError } from './requests.ts';
export {
  COUNTRY_SLOT,
  NO_CONDITIONING,
  PERSONA_STYLES,
  PERSONA_TEMPLATE,
  conditionMessages,
  fillTemplate,
  personaConditioning,
  personaSentence,
  softPromptOf,
  type Conditioning,
  type Demonstration,
  type PersonaStyle,
  type SoftConditioning,
  type TextConditioning,
} from './conditioning.ts';
export { CLASSIFY, DEFAULT_FORMAT, FORMAT_NAMES, FORMATS, READ_OUT, describeFormat, formatMessages, formatNamed, formatSetting, generates, type FormatFlags, type FormatSetting, type InteractionFormat } from './formats.ts';
export { describeInstrument, instrumentFromStored, prepareInstrument, prepareObjective, resultOf, storedInstrument, type InstrumentSpec, type StoredInstrument, type Objective, type ObjectiveOptions, type PreparedInstrument, type Reading, type InstrumentSample } from './objective.ts';
export { demonstrations, itemsAnsweredAsLabelled, labelledItems } from './demonstrations.ts';
export { scoreUnderPrompts } from './evaluator.ts';
export { DEFAULT_INSTRUMENT, instrumentNamed, instruments, registerInstrument } from './registry.ts';
export { DEFAULT_HOLDOUT, SIDE_NAMES, askedOn, describeSplit, drawHoldout, type HoldoutSplit, type SplitPart, type SplitSide } from './split.ts';
