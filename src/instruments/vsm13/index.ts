// The VSM 2013 instrument: items, index formulas, constants and its loss.
export { INDEX_FORMULAS, ITEM_COUNT, computeIndices, itemsOfDimension, type IndexTerm } from './indices.ts';
export {
  anchoredConstants,
  anchoredRequest,
  askedConstants,
  constantsFromFlag,
  constantsFromJson,
  DEFAULT_ANCHOR_PANEL,
  explicitConstants,
  isFitted,
  parseDimensionAssignments,
  zeroConstants,
  type AnchorCalibration,
  type AnchorCountry,
  type AnchoredRequest,
  type ConstantsSetting,
  type IndexConstants,
} from './constants.ts';
export { LOSS_METRICS, vsm13Loss, type LossMetric } from './loss.ts';
export { vsm13Items, itemId, type Vsm13Item } from './items.ts';
export { VSM13, describeConstants, type Vsm13Scores, type Vsm13Settings } from './vsm13-instrument.ts';
