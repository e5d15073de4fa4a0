import type { QuestionSimilarity } from './metric.ts';
import { jensenShannonDistance, wassersteinOrdinal } from './similarity.ts';

/**
 * The similarity cultune used before it followed Durmus et al. 2023, kept only so that run folders
 * made then (their run.json records no metric) evaluate and resume as they were trained, under the
 * name "legacy-keyword". No command offers it for a new run: its keyword rule misreads many scales
 * ("Great deal / Fair amount / Not too much / Not at all" and the ten-point scales count as nominal).
 * Ordinal by keywords: Wasserstein over the substantive options; otherwise Jensen-Shannon over all.
 */

const NON_SUBSTANTIVE = /^(don'?t know|dk|refused|no answer|not applicable|no opinion)|dk\/refused|missing|other missing/i;

const GRADED = new RegExp(
  '\\b(' +
    [
      'very', 'somewhat', 'fairly', 'quite', 'too', 'not at all', 'great deal', 'a lot', 'a little', 'some', 'none', 'strongly', 'completely',
      'mostly', 'agree', 'disagree', 'good', 'bad', 'better', 'worse', 'favorable', 'unfavorable', 'important', 'approve', 'disapprove',
      'often', 'never', 'always', 'rarely', 'sometimes', 'likely', 'unlikely', 'satisfied', 'dissatisfied', 'more', 'less', 'major', 'minor',
      'big', 'small', 'problem', 'threat', 'justifiable', 'increase', 'decrease', 'confidence', 'much', 'many', 'few', 'all', 'most',
    ].join('|') +
    ')\\b',
  'i',
);

const isSubstantive = (option: string) => !NON_SUBSTANTIVE.test(option.trim());

const isKeywordOrdinal = (options: readonly string[]) => {
  const substantive = options.filter(isSubstantive);
  return substantive.length >= 3 && substantive.every((o) => /^\s*-?\d+(\.\d+)?\s*$/.test(o) || GRADED.test(o));
};

export function legacyKeywordSimilarity(options: readonly string[], model: readonly number[], reference: readonly number[]): QuestionSimilarity {
  if (isKeywordOrdinal(options)) {
    const keep = options.map(isSubstantive);
    const [m, r] = [model.filter((_, i) => keep[i]), reference.filter((_, i) => keep[i])];
    if (r.some((v) => v > 0) && m.some((v) => v > 0)) return { kind: 'ordinal', measure: 'wasserstein', value: 1 - wassersteinOrdinal(m, r) };
  }
  return { kind: 'nominal', measure: 'jsd', value: 1 - jensenShannonDistance(model, reference) };
}
