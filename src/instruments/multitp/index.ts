// MultiTP (Jin et al., ICLR 2025): Moral Machine dilemmas regenerated in English, compared with each country's human preferences.
export { MULTITP, askedVignettes, type MultiTpScores, type MultiTpSettings } from './multitp-instrument.ts';
export { ACME_LABELS, MULTITP_HUMAN_TABLE, describeSetAside, parseHumanReference, type HumanReference, type SetAsideRow } from './human-reference.ts';
export { PREFERENCE_NAMES, misalignment, preferenceName } from './preferences.ts';
export { CHARACTERS, DIMENSION_ORDER, DIMENSIONS, PAIRS, SCENARIO_END, SCENARIO_START, type Character, type Dimension } from './source-facts.ts';
export { describeSide, generateVignettes, vignetteText, type Side, type Vignette } from './vignettes.ts';
