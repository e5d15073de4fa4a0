/**
 * How close the model's answer distribution is to a country's, per question. Ordinal questions (a
 * scale: "very good" .. "very bad", 1..10) compare by the Wasserstein-1 distance over the options'
 * positions, normalised to [0, 1]; nominal ones (yes/no, a list of aims) by the Jensen-Shannon
 * distance (base 2, in [0, 1]), as Durmus et al. 2023 do for all questions. Similarity is 1 - distance.
 */

/** Answers that are no position on the scale: "Don't know", "DK/Refused", "No answer", "Missing; ...". */
const NON_SUBSTANTIVE = /^(don'?t know|dk|refused|no answer|not applicable|no opinion)|dk\/refused|missing|other missing/i;

/** Words of graded answers. An option is graded when it holds one of them or is a number. */
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

export function isSubstantive(option: string): boolean {
  return !NON_SUBSTANTIVE.test(option.trim());
}

/**
 * Ordinal when at least three options are answers on a scale and every one of them is graded (a number
 * or a graded word); otherwise nominal. A rule of thumb: the dataset does not mark its scales.
 */
export function isOrdinal(options: readonly string[]): boolean {
  const substantive = options.filter(isSubstantive);
  return substantive.length >= 3 && substantive.every((o) => /^\s*-?\d+(\.\d+)?\s*$/.test(o) || GRADED.test(o));
}

function normalised(p: readonly number[]): number[] {
  const total = p.reduce((s, v) => s + v, 0);
  return p.map((v) => v / total);
}

/** Wasserstein-1 distance between two distributions over positions 0..n-1, divided by n - 1 (so in [0, 1]). */
export function wassersteinOrdinal(p: readonly number[], q: readonly number[]): number {
  const [a, b] = [normalised(p), normalised(q)];
  let cdf = 0;
  let distance = 0;
  for (let i = 0; i < a.length - 1; i++) {
    cdf += a[i] - b[i];
    distance += Math.abs(cdf);
  }
  return a.length > 1 ? distance / (a.length - 1) : 0;
}

/** Jensen-Shannon distance (the square root of the divergence), base 2, in [0, 1]. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const [a, b] = [normalised(p), normalised(q)];
  const kl = (x: number[], m: number[]) => x.reduce((s, v, i) => (v > 0 ? s + v * Math.log2(v / m[i]) : s), 0);
  const m = a.map((v, i) => (v + b[i]) / 2);
  return Math.sqrt(Math.max(0, (kl(a, m) + kl(b, m)) / 2));
}

export type QuestionKind = 'ordinal' | 'nominal';

/**
 * 1 - distance between the model's and the country's distribution over a question's options: over the
 * substantive options (renormalised) for ordinal questions, over all options for nominal ones. An
 * ordinal question whose reference has no substantive answer is compared as nominal.
 */
export function similarity(options: readonly string[], model: readonly number[], reference: readonly number[]): { kind: QuestionKind; value: number } {
  if (isOrdinal(options)) {
    const keep = options.map(isSubstantive);
    const [m, r] = [model.filter((_, i) => keep[i]), reference.filter((_, i) => keep[i])];
    if (r.some((v) => v > 0) && m.some((v) => v > 0)) return { kind: 'ordinal', value: 1 - wassersteinOrdinal(m, r) };
  }
  return { kind: 'nominal', value: 1 - jensenShannonDistance(model, reference) };
}
