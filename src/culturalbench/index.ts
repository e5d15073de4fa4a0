/** CulturalBench (Chiu et al. 2024): loading, Easy/Hard scoring under rotations, conditions, reports. */
export type { CulturalBenchData, DataFileInfo, EasyQuestion, HardQuestion, HardStatement } from './types.ts';
export { parseEasyCsv, parseHardCsv } from './parse.ts';
export { culturalBenchCacheDir, loadCulturalBench, tryLoadCulturalBench, type Availability, type LoadOptions } from './load.ts';
export { CULTURALBENCH, EASY_FILE, HARD_FILE, HUB_REVISION } from './source.ts';
export { regionOf } from './regions.ts';
export { personaFor, type Condition, type SoftPromptSet } from './conditions.ts';
export { softPromptsFromDirectory, matchCountry, type SoftPromptReader } from './soft-prompts.ts';
export { datasetCountries, resolveCountry, selectQuestions, type Selection } from './select.ts';
export { evaluateCulturalBench, type CulturalBenchSample, type EasyOutcome, type EvaluateOptions, type EvaluationResult, type HardOutcome } from './evaluate.ts';
export { summarise, crossMatrix, type Breakdown, type CrossCell, type GroupSummary } from './summary.ts';
export { formatBreakdown, formatCross, type CulturalBenchReport } from './report.ts';
export { measureEasyThroughput, type Throughput } from './benchmark.ts';
export { splitCountry, splitQuestionIds, questionsIn, type QuestionSplit } from './split.ts';
export { expectedQuestionAccuracy, letterRequests, optionProbabilities, positionUnderRotation, prepareKnowledgeObjective, type KnowledgeObjective } from './expected-accuracy.ts';
