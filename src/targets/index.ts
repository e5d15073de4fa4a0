// Country reference values: the place catalogue, published tables, users' target files.
export { DIMENSIONS, DIMENSION_NAMES, mapDimensions, parseDimension, type Dimension, type DimensionScores, type PartialScores } from './dimensions.ts';
export { hofstedeTable, hofstedeRow, parseHofstedeTable, type HofstedeRow } from './hofstede-table.ts';
export { HOFSTEDE_TABLE } from './hofstede.ts';
export { countryCatalogue, describeCountry, findCountry, lookupCountry, normaliseName, unknownCountryError, type CountryEntry, type CountryKind } from './countries.ts';
export { readTargetsFile, type ScoreNaming, type TargetFile, type TargetFileEntry } from './target-file.ts';
export {
  describeSource,
  explainMissing,
  type TargetAdvice,
  parseAssignments,
  requireUsableTarget,
  resolveTarget,
  scoreValueProblem,
  targetValues,
  type Fallback,
  type ReferenceRow,
  type ReferenceTable,
  type Target,
  type TargetCountry,
  type TargetRequest,
  type TargetSource,
  type TargetValue,
} from './target.ts';
export { IVS_AXES, IVS_MAP_TABLE, parseIvsMapTable, type IvsMapRow } from './ivs-map.ts';
