import { legacyKeywordSimilarity } from './legacy-keyword.ts';
import { answerScale } from './ordinal-scales.ts';
import { jensenShannonDistance, wassersteinOrdinal } from './similarity.ts';

/**
 * How a question's model distribution is compared with the country's. `jsd` (the default) is Durmus
 * et al. 2023's similarity, 1 - Jensen-Shannon distance (base 2) over all the options. `wasserstein`
 * is 1 - W1 / (n - 1) over the positions of an ordered scale (ordinal-scales.ts) or of a question with
 * two answers, as seed 001 (Bravansky et al., "Rethinking AI cultural alignment", appendix A.1) scores
 * its binary questions after dropping answers that are neither option; other questions fall back to
 * 1 - Jensen-Shannon distance, and are counted. `legacy-keyword` is what run folders made before
 * cultune followed Durmus et al. read as (legacy-keyword.ts).
 */
export type OpinionMetric = 'jsd' | 'wasserstein' | 'legacy-keyword';

/** What --metric takes for GlobalOpinionQA. */
export const OPINION_METRICS = ['jsd', 'wasserstein'] as const;

/** One question's similarity: its scale's kind, the distance used, and 1 - that distance. */
export interface QuestionSimilarity {
  kind: 'ordinal' | 'binary' | 'nominal';
  measure: 'jsd' | 'wasserstein';
  value: number;
}

/** Mass per scale position; options off the scale (don't know, missing, volunteered) are left out. */
function onPositions(distribution: readonly number[], positions: readonly (number | null)[], size: number): number[] {
  const mass = new Array<number>(size).fill(0);
  positions.forEach((position, i) => {
    if (position !== null) mass[position] += distribution[i];
  });
  return mass;
}

export function questionSimilarity(metric: OpinionMetric, options: readonly string[], model: readonly number[], reference: readonly number[]): QuestionSimilarity {
  if (metric === 'legacy-keyword') return legacyKeywordSimilarity(options, model, reference);
  const scale = answerScale(options);
  const jsd = { kind: scale.kind, measure: 'jsd' as const, value: 1 - jensenShannonDistance(model, reference) };
  if (metric === 'jsd' || scale.kind === 'nominal') return jsd;
  const [m, r] = [onPositions(model, scale.positions, scale.size), onPositions(reference, scale.positions, scale.size)];
  // A country whose answers all lie off the scale (all "don't know") has no distribution on it to compare.
  if (!r.some((v) => v > 0) || !m.some((v) => v > 0)) return jsd;
  return { kind: scale.kind, measure: 'wasserstein', value: 1 - wassersteinOrdinal(m, r) };
}

/** The metric in words, for settings lines and reports. */
export function describeMetric(metric: OpinionMetric): string {
  switch (metric) {
    case 'jsd':
      return '1 - Jensen-Shannon distance (Durmus et al. 2023)';
    case 'wasserstein':
      return '1 - Wasserstein-1 / (n - 1) on ordinal and binary scales, 1 - Jensen-Shannon distance on the others';
    case 'legacy-keyword':
      return "legacy-keyword: cultune's earlier keyword rule (Wasserstein where the options' words look graded, Jensen-Shannon elsewhere), as this run was trained";
  }
}
