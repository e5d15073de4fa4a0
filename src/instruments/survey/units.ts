import type { Instrument, ScoreUnit, SurveyQuestion } from '../types.ts';
import type { Target } from '../../targets/index.ts';

/** The respondent profile a variant belongs to: variant ids begin with its id ("p2-f1-rev" is p2's; respondents.ts). */
function respondentOf(variantId: string): string {
  return variantId.split('-')[0];
}

/**
 * A survey's scores respondent by respondent: each profile's questions (all its phrasings and both
 * option orders, so the balancing of orders stays inside a unit) scored on their own. Weighted by
 * their questions, the units average to the whole evaluation's scores, as long as the scores are
 * affine in the item means (VSM's indices, the map's projection).
 */
export function respondentUnits<Settings extends object, Scores>(
  instrument: Instrument<Settings, Scores>,
  questions: readonly SurveyQuestion[],
  distributions: readonly number[][],
  settings: Settings,
  target: Target | undefined,
): ScoreUnit[] {
  const groups = new Map<string, number[]>();
  questions.forEach((q, i) => {
    const id = respondentOf(q.variantId);
    groups.set(id, [...(groups.get(id) ?? []), i]);
  });
  return [...groups].map(([id, indices]) => {
    const scores = instrument.scores(indices.map((i) => questions[i]), indices.map((i) => distributions[i]), settings, target);
    return { id, weight: indices.length, scores: instrument.named(scores, settings) };
  });
}
