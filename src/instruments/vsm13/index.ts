// The VSM 2013 instrument: items, index formulas, constants and its loss.
export { INDEX_FORMULAS, ITEM_COUNT, computeIndices, itemsOfDimension, type IndexTerm } from './indices.ts';
export {
  anchoredConstants,
  constantsFromFlag,
  constantsFromJson,
  explicitConstants,
  parseDimensionAssignments,
  zeroConstants,
  type AnchorCountry,
  type IndexConstants,
} from './constants.ts';
export { LOSS_METRICS, vsm13Loss, type LossMetric } from './loss.ts';
export { vsm13Items, itemId, type Vsm13Item } from './items.ts';
export { VSM13, type Vsm13Scores, type Vsm13Settings } from './vsm13-instrument.ts';
