// GlobalOpinionQA (Durmus et al. 2023): each country's answer distributions, compared option by option.
export { GLOBAL_OPINION_QA, type OpinionScores, type OpinionSettings } from './globalopinionqa-instrument.ts';
export { loadGlobalOpinions, parseGlobalOpinionsCsv, parseOpinionPairsJson, type OpinionData, type OpinionQuestion, type OpinionSource } from './dataset.ts';
export { describeMetric, OPINION_METRICS, questionSimilarity, type OpinionMetric, type QuestionSimilarity } from './metric.ts';
export { answerScale, onScale, ORDINAL_SCALES, type AnswerScale } from './ordinal-scales.ts';
export { jensenShannonDistance, wassersteinOrdinal } from './similarity.ts';
export { countryLabel, opinionTarget, type OpinionReference } from './target.ts';
export { parsePythonLiteral } from './python-literal.ts';
