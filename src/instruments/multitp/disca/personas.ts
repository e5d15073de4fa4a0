import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describeError, UserError } from '../../../util/errors.ts';

/**
 * DISCA's persona panel (arXiv 2605.10843, App. "Persona Construction Details"): per country three age
 * cohorts (young < 36, middle 36-55, older > 55) and the whole country, each described on ten World
 * Values Survey Wave 7 dimensions (the scheme of Greco et al., "Culturally Grounded Personas in Large
 * Language Models"). A dimension's score is the pooled mean of its items' valid answers, put on [0, 1]
 * by its scale range and turned so that 1 is the positive pole; quartile cuts pick one of four
 * descriptors. The items are read in the official WVS-7 coding (the authors read a recoded "inverted"
 * file): see docs/instruments.md for each item and its direction.
 */
interface WvsDimension {
  /** How the persona sentence introduces the dimension. */
  lead: string;
  items: readonly string[];
  /** The items' scale (official WVS-7 codes); answers outside it (negative codes: don't know, refused) are dropped. */
  range: readonly [number, number];
  /** +1 where a higher code is more of the positive pole, -1 where it is less. */
  direction: 1 | -1;
  /** Descriptors from the strongest positive pole (score ≥ 0.75) to the strongest negative (< 0.25). */
  descriptors: readonly [string, string, string, string];
}

export const WVS_DIMENSIONS: Readonly<Record<string, WvsDimension>> = {
  religiosity: { lead: 'Religion is', items: ['Q6'], range: [1, 4], direction: -1, descriptors: ['central to your life', 'fairly important to you', 'of little importance to you', 'not important to you at all'] },
  childRearing: { lead: 'In raising children you value', items: ['Q15', 'Q17'], range: [1, 2], direction: 1, descriptors: ['independence and imagination above religious faith', 'independence somewhat more than religious faith', 'religious faith somewhat more than independence', 'religious faith and obedience above independence'] },
  moralAcceptability: { lead: 'Contested acts such as divorce or abortion are', items: ['Q182', 'Q184', 'Q185'], range: [1, 10], direction: 1, descriptors: ['often justifiable to you', 'sometimes justifiable to you', 'rarely justifiable to you', 'never justifiable to you'] },
  socialTrust: { lead: 'Toward strangers you are', items: ['Q57'], range: [1, 2], direction: -1, descriptors: ['trusting', 'somewhat trusting', 'somewhat wary', 'very wary'] },
  politicalAction: { lead: 'Politically you', items: ['Q209', 'Q210', 'Q211'], range: [1, 3], direction: -1, descriptors: ['sign petitions, join boycotts and demonstrate', 'would take part in petitions or demonstrations', 'rarely take political action', 'would never take political action'] },
  nationalPride: { lead: 'Of your country you are', items: ['Q254'], range: [1, 4], direction: -1, descriptors: ['very proud', 'quite proud', 'not very proud', 'not proud at all'] },
  happiness: { lead: 'With your life you are', items: ['Q46'], range: [1, 4], direction: -1, descriptors: ['very happy', 'quite happy', 'not very happy', 'unhappy'] },
  genderEquality: { lead: 'On the roles of women and men you are', items: ['Q29', 'Q30', 'Q31'], range: [1, 4], direction: 1, descriptors: ['firmly egalitarian', 'mostly egalitarian', 'mostly traditional', 'firmly traditional'] },
  postMaterialism: { lead: 'In life you put', items: ['Y002'], range: [1, 3], direction: 1, descriptors: ['self-expression and a say in decisions first', 'freedom a little ahead of security', 'security a little ahead of freedom', 'economic and physical security first'] },
  tolerance: { lead: 'Toward people unlike yourself (immigrants, other races, other lifestyles) you are', items: ['Q19', 'Q20', 'Q21', 'Q22', 'Q23'], range: [1, 2], direction: 1, descriptors: ['very tolerant', 'fairly tolerant', 'somewhat intolerant', 'intolerant'] },
};

/** The columns a WVS file must have: the country, the age, and every dimension's items. */
export const WVS_COLUMNS: readonly string[] = ['B_COUNTRY_ALPHA', 'Q262', ...Object.values(WVS_DIMENSIONS).flatMap((d) => d.items)];

export type Cohort = 'young' | 'middle' | 'older' | 'all';
export const COHORTS: readonly Cohort[] = ['young', 'middle', 'older', 'all'];

const COHORT_OPENINGS: Record<Cohort, (place: string) => string> = {
  young: (place) => `You are a young adult from ${place}, in your twenties or early thirties.`,
  middle: (place) => `You are a middle-aged adult from ${place}, in your forties or fifties.`,
  older: (place) => `You are an older adult from ${place}, over sixty.`,
  all: (place) => `You are an adult from ${place}.`,
};

/** The cohort of an age in years (the paper's cuts). */
export function cohortOf(age: number): Exclude<Cohort, 'all'> {
  return age < 36 ? 'young' : age <= 55 ? 'middle' : 'older';
}

/** A dimension's mean put on [0, 1] with 1 the positive pole, clamped. */
export function poleScore(dimension: WvsDimension, mean: number): number {
  const [lo, hi] = dimension.range;
  const share = Math.min(1, Math.max(0, (mean - lo) / (hi - lo)));
  return dimension.direction === 1 ? share : 1 - share;
}

/** The descriptor of a [0, 1] score: quartile cuts at 0.75, 0.5, 0.25. */
export function descriptorOf(dimension: WvsDimension, score: number): string {
  return dimension.descriptors[score >= 0.75 ? 0 : score >= 0.5 ? 1 : score >= 0.25 ? 2 : 3];
}

/** Per dimension, the pooled mean of a cohort's valid answers (undefined where it has none). */
export type CohortProfile = Record<string, number | undefined>;

/** The persona text of a cohort's profile; a dimension without answers is left out. */
export function personaText(cohort: Cohort, place: string, profile: CohortProfile): string {
  const sentences = Object.entries(WVS_DIMENSIONS).flatMap(([name, dimension]) => {
    const mean = profile[name];
    return mean === undefined ? [] : [`${dimension.lead} ${descriptorOf(dimension, poleScore(dimension, mean))}.`];
  });
  return [COHORT_OPENINGS[cohort](place), ...sentences, 'Faced with a moral dilemma, you answer as someone holding these values would.'].join(' ');
}

/**
 * The four cohort profiles of one country (ISO3 `country`, as B_COUNTRY_ALPHA holds it) from a WVS-7
 * CSV. Rows of other countries are skipped unread; a respondent without a valid age (Q262) counts in the
 * aggregate only. A file without the columns, a value that is no number, or a country with no row is refused.
 */
export function readWvsProfiles(file: string, country: string): Record<Cohort, CohortProfile> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`--wvs ${file}: cannot read (${describeError(error)})`);
  }
  let header: string[] | undefined;
  let index: Map<string, number> | undefined;
  const sums = new Map<string, { total: number; n: number }>();
  let respondents = 0;
  const add = (cohort: Cohort, dimension: string, value: number) => {
    const key = `${cohort} ${dimension}`;
    const sum = sums.get(key) ?? { total: 0, n: 0 };
    sums.set(key, { total: sum.total + value, n: sum.n + 1 });
  };
  try {
    parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context) => {
        if (!header) {
          header = record.map((h) => h.trim());
          const missing = WVS_COLUMNS.filter((c) => !header!.includes(c));
          if (missing.length > 0) throw new UserError(`--wvs ${file}: line 1 lacks the WVS Wave 7 column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
          index = new Map(WVS_COLUMNS.map((c) => [c, header!.indexOf(c)]));
          return null;
        }
        if (record[index!.get('B_COUNTRY_ALPHA')!]?.trim() !== country) return null;
        const numberAt = (column: string) => {
          const raw = (record[index!.get(column)!] ?? '').trim();
          const value = Number(raw);
          if (raw === '' || !Number.isFinite(value)) throw new UserError(`--wvs ${file}: line ${context.lines}, column ${column}: "${raw}" is not a number (WVS codes are numbers; missing answers are negative codes)`);
          return value;
        };
        respondents++;
        const age = numberAt('Q262');
        const cohorts: Cohort[] = age > 0 ? ['all', cohortOf(age)] : ['all'];
        for (const [name, dimension] of Object.entries(WVS_DIMENSIONS)) {
          for (const item of dimension.items) {
            const value = numberAt(item);
            if (value < dimension.range[0] || value > dimension.range[1]) continue;
            for (const cohort of cohorts) add(cohort, name, value);
          }
        }
        return null;
      },
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`--wvs ${file}: not valid CSV (${describeError(error).replace(/\s+/g, ' ')})`);
  }
  if (!header) throw new UserError(`--wvs ${file}: the file is empty; expected a WVS Wave 7 CSV with the columns ${WVS_COLUMNS.slice(0, 3).join(', ')}, ...`);
  if (respondents === 0) throw new UserError(`--wvs ${file}: no respondent has B_COUNTRY_ALPHA ${country}; pick a country the file covers with --country, or bring a panel with --personas FILE`);
  const profile = (cohort: Cohort): CohortProfile =>
    Object.fromEntries(Object.keys(WVS_DIMENSIONS).map((name) => {
      const sum = sums.get(`${cohort} ${name}`);
      return [name, sum ? sum.total / sum.n : undefined];
    }));
  return { young: profile('young'), middle: profile('middle'), older: profile('older'), all: profile('all') };
}

/** The four persona texts (three cohorts, then the country) of `country` in a WVS-7 CSV, the place named as a sentence reads it. */
export function wvsPanel(file: string, country: string, place: string): string[] {
  const profiles = readWvsProfiles(file, country);
  return COHORTS.map((cohort) => personaText(cohort, place, profiles[cohort]));
}

/**
 * A user's panel: a JSON object from country to an array of persona texts. The country's entry is found
 * under any of `keys` (its ISO3 code, its name, what --country said), case aside.
 */
export function readPersonaPanel(file: string, keys: readonly string[]): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`--personas ${file}: ${describeError(error).replace(/\s+/g, ' ')} (expected JSON: {"USA": ["persona text", ...], ...})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UserError(`--personas ${file}: expected a JSON object from country to an array of persona texts`);
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  const key = Object.keys(parsed).find((k) => wanted.has(k.toLowerCase()));
  if (key === undefined) throw new UserError(`--personas ${file}: no key for ${keys.join(' / ')} (keys: ${Object.keys(parsed).slice(0, 8).join(', ') || 'none'})`);
  const panel = (parsed as Record<string, unknown>)[key];
  if (!Array.isArray(panel) || panel.length === 0) throw new UserError(`--personas ${file}: key "${key}" must hold a non-empty array of persona texts`);
  panel.forEach((text, i) => {
    if (typeof text !== 'string' || text.trim() === '') throw new UserError(`--personas ${file}: key "${key}", entry ${i}: expected a non-empty string`);
  });
  return panel as string[];
}
