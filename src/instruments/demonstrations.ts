import type { Target } from '../targets/index.ts';
import type { Demonstration } from './conditioning.ts';
import type { InstrumentSample, InstrumentSpec } from './objective.ts';

/** The items of an instrument that carry a label for `target` (instrument.labels), in question order; none where the instrument has no labels. */
export function labelledItems(spec: InstrumentSpec, target: Target): string[] {
  const labels = spec.instrument.labels?.(spec.settings, target) ?? {};
  return [...new Set(spec.instrument.questions(spec.settings, target).map((q) => q.itemId))].filter((item) => labels[item] !== undefined);
}

/**
 * The demonstrations of `items` for a target: each item's first question as the instrument writes it,
 * answered with the key of the target's label. Items without a label for this target are left out.
 */
export function demonstrations(spec: InstrumentSpec, target: Target, items: readonly string[]): Demonstration[] {
  const labels = spec.instrument.labels?.(spec.settings, target) ?? {};
  const questions = spec.instrument.questions(spec.settings, target);
  return items.flatMap((item) => {
    const question = questions.find((q) => q.itemId === item);
    const key = question?.answerKeys[question.answerValues.indexOf(labels[item])];
    const text = question?.messages.find((m) => m.role === 'user')?.content;
    return key !== undefined && text !== undefined ? [{ item, question: text, answer: key }] : [];
  });
}

/**
 * The labelled items the model answered as the target's people do (its own correct predictions, what
 * dspy's bootstrapping keeps): the answer value holding the most probability, summed over the item's
 * variants, is the label; a tie is not an answer.
 */
export function itemsAnsweredAsLabelled(samples: readonly InstrumentSample[], labels: Readonly<Record<string, number>>): string[] {
  const mass = new Map<string, Map<number, number>>();
  for (const s of samples) {
    if (labels[s.item] === undefined) continue;
    const top = Math.max(...s.loglikelihoods);
    const weights = s.loglikelihoods.map((l) => Math.exp(l - top));
    const total = weights.reduce((a, b) => a + b, 0);
    const byValue = mass.get(s.item) ?? new Map<number, number>();
    s.optionValues.forEach((value, k) => byValue.set(value, (byValue.get(value) ?? 0) + weights[k] / total));
    mass.set(s.item, byValue);
  }
  return [...mass].filter(([item, byValue]) => {
    const label = byValue.get(labels[item]) ?? 0;
    return [...byValue].every(([value, p]) => value === labels[item] || p < label);
  }).map(([item]) => item);
}
