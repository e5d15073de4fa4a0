import type { Placement, SoftPrompt } from '../model/types.ts';
import type { Conditioning, PersonaStyle } from '../instruments/index.ts';

export type Condition =
  | { kind: 'none' }
  | { kind: 'persona'; style: PersonaStyle }
  | { kind: 'soft'; prompts: SoftPromptSet };

/** One prompt for every question, or one per country (a question about X gets X's prompt). */
export type SoftPromptSet =
  | { kind: 'single'; label: string; prompt: SoftPrompt }
  | { kind: 'per-country'; byCountry: ReadonlyMap<string, SoftPrompt> };

/** What a question is asked with: for a country (its persona or prompt), or unconditioned. */
export interface AskedWith {
  /** The country the conditioning stands for; null for none and for a single soft prompt. */
  country: string | null;
  conditioning: Conditioning;
  /** Requests sharing a key share a soft prompt and go to the model together. */
  groupKey: string;
}

const ARTICLE_COUNTRIES = new Set(['United States', 'United Kingdom', 'Netherlands', 'Czech Republic', 'Philippines']);

function countryPhrase(country: string): string {
  return ARTICLE_COUNTRIES.has(country) ? `the ${country}` : country;
}

/** The persona conditioning for a dataset country, named as it reads in a sentence. */
export function personaFor(style: PersonaStyle, country: string): Conditioning {
  return { kind: 'persona', place: countryPhrase(country), style };
}

function conditioningFor(condition: Condition, country: string, placement: Placement): AskedWith | undefined {
  switch (condition.kind) {
    case 'none':
      return { country: null, conditioning: { kind: 'none' }, groupKey: 'none' };
    case 'persona':
      return { country, conditioning: personaFor(condition.style, country), groupKey: 'persona' };
    case 'soft': {
      const set = condition.prompts;
      if (set.kind === 'single') return { country: null, conditioning: { kind: 'soft', prompt: set.prompt, placement }, groupKey: `soft:${set.label}` };
      const prompt = set.byCountry.get(country);
      return prompt ? { country, conditioning: { kind: 'soft', prompt, placement }, groupKey: `soft:${country}` } : undefined;
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
  placement: Placement = 'start',
): AskedWith[] {
  const own = conditioningFor(condition, country, placement);
  if (!own) return [];
  if (!cross || own.country === null) return [own];
  const others = conditioningCountries(condition, datasetCountries).filter((c) => c !== country);
  return [own, ...others.map((c) => conditioningFor(condition, c, placement)).filter((c): c is AskedWith => c !== undefined)];
}
