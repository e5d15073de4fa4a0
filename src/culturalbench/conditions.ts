import type { SoftPrompt } from '../model/types.ts';
import { personaSentence } from '../vsm13/prompts.ts';
import type { Preamble } from './prompts.ts';

/**
 * Where the persona sentence goes: a system message, or the start of the user turn, which is the
 * VSM 2013 instrument's persona form (its own sentence, so both baselines say the same thing).
 */
export type PersonaStyle = 'system' | 'user';
export const PERSONA_STYLES: readonly PersonaStyle[] = ['system', 'user'];

export type Condition =
  | { kind: 'none' }
  | { kind: 'persona'; style: PersonaStyle }
  | { kind: 'soft'; prompts: SoftPromptSet };

/** One prompt for every question, or one per country (a question about X gets X's prompt). */
export type SoftPromptSet =
  | { kind: 'single'; label: string; prompt: SoftPrompt }
  | { kind: 'per-country'; byCountry: ReadonlyMap<string, SoftPrompt> };

/** What a question is asked with: for a country (its persona or prompt), or unconditioned. */
export interface Conditioning {
  /** The country the conditioning stands for; null for none and for a single soft prompt. */
  country: string | null;
  preamble: Preamble;
  softPrompt?: SoftPrompt;
  /** Requests sharing a key share a soft prompt and go to the model together. */
  groupKey: string;
}

const ARTICLE_COUNTRIES = new Set(['United States', 'United Kingdom', 'Netherlands', 'Czech Republic', 'Philippines']);

function countryPhrase(country: string): string {
  return ARTICLE_COUNTRIES.has(country) ? `the ${country}` : country;
}

export function personaPreamble(style: PersonaStyle, country: string): Preamble {
  const sentence = personaSentence(countryPhrase(country));
  return style === 'system' ? { system: sentence } : { user: sentence };
}

function conditioningFor(condition: Condition, country: string): Conditioning | undefined {
  switch (condition.kind) {
    case 'none':
      return { country: null, preamble: {}, groupKey: 'none' };
    case 'persona':
      return { country, preamble: personaPreamble(condition.style, country), groupKey: 'persona' };
    case 'soft': {
      const set = condition.prompts;
      if (set.kind === 'single') return { country: null, preamble: {}, softPrompt: set.prompt, groupKey: `soft:${set.label}` };
      const prompt = set.byCountry.get(country);
      return prompt ? { country, preamble: {}, softPrompt: prompt, groupKey: `soft:${country}` } : undefined;
    }
  }
}

/** Countries a condition can stand for: every dataset country for a persona, those with a prompt for soft prompts. */
function conditioningCountries(condition: Condition, datasetCountries: readonly string[]): readonly string[] {
  if (condition.kind === 'soft' && condition.prompts.kind === 'per-country') return [...condition.prompts.byCountry.keys()];
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
): Conditioning[] {
  const own = conditioningFor(condition, country);
  if (!own) return [];
  if (!cross || own.country === null) return [own];
  const others = conditioningCountries(condition, datasetCountries).filter((c) => c !== country);
  return [own, ...others.map((c) => conditioningFor(condition, c)).filter((c): c is Conditioning => c !== undefined)];
}
