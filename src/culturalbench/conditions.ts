import type { Placement, SoftPrompt } from '../model/types.ts';
import type { Conditioning, PersonaStyle } from '../instruments/index.ts';
import { findCountry } from '../targets/index.ts';

/**
 * What CulturalBench's questions are asked with, the parts of the instruments' Conditioning: a
 * sentence naming the question's country (the persona sentence, or a programmed instruction's
 * template), a soft prompt (one for every question, or one per country), both, or neither.
 */
export interface Condition {
  text?: { style: PersonaStyle; template?: string };
  soft?: SoftPromptSet;
}

/** One prompt for every question, or one per country (a question about X gets X's prompt). */
export type SoftPromptSet =
  | { kind: 'single'; label: string; prompt: SoftPrompt }
  | { kind: 'per-country'; byCountry: ReadonlyMap<string, SoftPrompt> };

/** What a question is asked with: for a country (its persona or prompt), or unconditioned. */
export interface AskedWith {
  /** The country the conditioning stands for; null for none and for a single soft prompt alone. */
  country: string | null;
  conditioning: Conditioning;
  /** Requests sharing a key share a soft prompt and go to the model together. */
  groupKey: string;
}

/** A dataset country as a sentence names it, from the targets catalogue ("the United States"); the dataset's name where the catalogue lacks it. */
export function placeOf(country: string): string {
  return findCountry(country)?.personaName ?? country;
}

/** The persona conditioning for a dataset country. */
export function personaFor(style: PersonaStyle, country: string): Conditioning {
  return { text: { place: placeOf(country), style } };
}

function softFor(set: SoftPromptSet, country: string): { prompt: SoftPrompt; key: string; perCountry: boolean } | undefined {
  if (set.kind === 'single') return { prompt: set.prompt, key: `soft:${set.label}`, perCountry: false };
  const prompt = set.byCountry.get(country);
  return prompt && { prompt, key: `soft:${country}`, perCountry: true };
}

function conditioningFor(condition: Condition, country: string, placement: Placement): AskedWith | undefined {
  const soft = condition.soft && softFor(condition.soft, country);
  if (condition.soft && !soft) return undefined;
  const { text } = condition;
  const conditioning: Conditioning = {
    ...(text && { text: { place: placeOf(country), style: text.style, ...(text.template !== undefined && { template: text.template }) } }),
    ...(soft && { soft: { prompt: soft.prompt, placement } }),
  };
  // A soft prompt's requests share its key; a sentence alone shares one key, the tokens differing by country.
  const groupKey = soft?.key ?? (text ? 'persona' : 'none');
  return { country: text || soft?.perCountry ? country : null, conditioning, groupKey };
}

/** Countries a condition can stand for: every dataset country, or those with a prompt for per-country soft prompts. */
function conditioningCountries(condition: Condition, datasetCountries: readonly string[]): readonly string[] {
  if (condition.soft?.kind === 'per-country') return [...condition.soft.byCountry.keys()];
  return datasetCountries;
}

/**
 * The conditionings a question about `country` is asked with: its own country's, then with `cross`
 * every other country's as well. Empty when the condition has nothing for this country (a soft
 * prompt folder without it): the question is then left out.
 */
export function conditioningsFor(
  condition: Condition,
  country: string,
  cross: boolean,
  datasetCountries: readonly string[],
  placement: Placement = 'start',
): AskedWith[] {
  const own = conditioningFor(condition, country, placement);
  if (!own) return [];
  if (!cross || own.country === null) return [own];
  const others = conditioningCountries(condition, datasetCountries).filter((c) => c !== country);
  return [own, ...others.map((c) => conditioningFor(condition, c, placement)).filter((c): c is AskedWith => c !== undefined)];
}
