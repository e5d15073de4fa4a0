import { UserError } from '../util/errors.ts';
import type { Condition } from './conditions.ts';
import { matchCountry } from './soft-prompts.ts';
import type { CulturalBenchData, EasyQuestion, HardQuestion } from './types.ts';

export interface Selection {
  /** Only questions about this country (matched loosely: "south korea"). */
  country?: string;
  /** At most this many questions of each of Easy and Hard, the first in file order. */
  limit?: number;
}

export function datasetCountries(data: CulturalBenchData): string[] {
  return [...new Set(data.easy.map((q) => q.country))].sort();
}

/** The dataset's spelling of a country named loosely on the command line ("south korea"). */
export function resolveCountry(name: string, countries: readonly string[]): string {
  const country = matchCountry(name, countries);
  if (!country) throw new UserError(`unknown country "${name}"; CulturalBench has: ${countries.join(', ')}`);
  return country;
}

/** Countries whose questions a condition can ask; undefined means all (no per-country prompts). */
function countriesCovered(condition: Condition): ReadonlySet<string> | undefined {
  return condition.soft?.kind === 'per-country' ? new Set(condition.soft.byCountry.keys()) : undefined;
}

/** The questions a run asks: the country filter and the condition's coverage first, then the limit. */
export function selectQuestions(
  data: CulturalBenchData,
  condition: Condition,
  selection: Selection,
): { easy: EasyQuestion[]; hard: HardQuestion[] } {
  const country = selection.country === undefined ? undefined : resolveCountry(selection.country, datasetCountries(data));
  const keep = (c: string) => country === undefined || c === country;
  const covered = countriesCovered(condition);
  const wanted = (q: { country: string }) => keep(q.country) && (covered === undefined || covered.has(q.country));
  const limit = selection.limit ?? Number.POSITIVE_INFINITY;
  const easy = data.easy.filter(wanted).slice(0, limit);
  const hard = data.hard.filter(wanted).slice(0, limit);
  if (easy.length === 0 && hard.length === 0) throw new UserError('no CulturalBench question matches the country and the soft prompts given');
  return { easy, hard };
}
