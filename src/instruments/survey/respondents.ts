import { readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.ts';

/** A respondent profile after the VSM 2013 demographic questions. */
export interface RespondentProfile {
  gender: string;
  age: string;
  education: string;
  occupation: string;
}

/** One simulated respondent: who answers, how the answer format is phrased, and the scale's direction. */
export interface RespondentVariant {
  id: string;
  profile: RespondentProfile;
  /** Index into the answer-format phrasings (see questions.ts). */
  phrasing: number;
  /** Options shown from 5 down to 1 (labels reversed, numbers kept), mapped back when scored. */
  reversed: boolean;
}

/** Four variants: two profiles, each asked once in scale order and once reversed. */
export const DEFAULT_VARIANTS = 4;

let cachedProfiles: RespondentProfile[] | undefined;

function respondentProfiles(): readonly RespondentProfile[] {
  cachedProfiles ??= (JSON.parse(readFileSync(new URL('./data/respondents.json', import.meta.url), 'utf8')) as { profiles: RespondentProfile[] }).profiles;
  return cachedProfiles;
}

/** How many respondent profiles there are: the most variants an instrument that varies the respondent only can ask. */
export function respondentProfileCount(): number {
  return respondentProfiles().length;
}

/** A profile's id ("p3" for the third of respondents.json): what variant ids begin with and held-out splits divide. */
export function respondentId(profileIndex: number): string {
  return `p${profileIndex + 1}`;
}

/** The id of every respondent profile, in respondents.json order. */
export function respondentIds(): string[] {
  return respondentProfiles().map((_, i) => respondentId(i));
}

/**
 * The first `count` variants of a fixed sequence (no randomness): variants come in pairs, one profile
 * asked in scale order then reversed, so an even count cancels a preference for the first or last
 * option. Phrasings alternate across pairs and swap on each pass through the profiles, so no
 * (profile, phrasing, direction) repeats before the maximum. `only` (profile ids) restricts the
 * sequence to those profiles, in respondents.json order: one side of a held-out split.
 */
export function respondentVariants(count: number, phrasings: number, only?: readonly string[]): RespondentVariant[] {
  const indices = respondentProfiles().map((_, i) => i).filter((i) => only === undefined || only.includes(respondentId(i)));
  const maximum = 2 * indices.length * phrasings;
  if (!Number.isInteger(count) || count < 1 || count > maximum) {
    throw new UserError(`the number of respondent variants must be an integer from 1 to ${maximum}, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => {
    const pair = Math.floor(i / 2);
    const profileIndex = indices[pair % indices.length];
    const phrasing = (pair + Math.floor(pair / indices.length)) % phrasings;
    const reversed = i % 2 === 1;
    return { id: `${respondentId(profileIndex)}-f${phrasing + 1}-${reversed ? 'rev' : 'fwd'}`, profile: respondentProfiles()[profileIndex], phrasing, reversed };
  });
}
