// What survey instruments share: respondent and option-order variants, scale questions, answer readings, settings.
export { ANSWER_MODES, ANSWER_READERS, answerDistributions, argmaxAnswer, expectedAnswer, type AnswerMode, type ByAnswerMode } from './answers.ts';
export { DEFAULT_VARIANTS, respondentId, respondentIds, respondentProfileCount, respondentVariants, type RespondentProfile, type RespondentVariant } from './respondents.ts';
export { PHRASINGS, meanAnswerPerItem, respondentIntro, scaleQuestion, type ScaleItem } from './questions.ts';
export { SURVEY_OPTIONS, oneOf, positiveInteger, surveySettings, type SurveySettings } from './settings.ts';
