import { describeCountry, findCountry, normaliseName, unknownCountryError, type Target, type TargetRequest } from '../../targets/index.ts';
import { UserError } from '../../util/errors.ts';
import type { OpinionData } from './dataset.ts';

/** A country's questions as its target stores them: plain JSON, so a run needs no dataset to resume. */
export interface OpinionReference {
  /** The dataset's label of the country ("Britain", "India (Current national sample)"). */
  label: string;
  /** The dataset file the distributions were read from. */
  file: { sha256: string };
  questions: { question: string; options: string[]; distribution: number[] }[];
  /** Questions whose distribution for this country is all zero: left out, and counted. */
  skipped: number;
}

/** The dataset's short labels that the place catalogue knows by another name. */
const LABEL_NAMES: Record<string, string> = {
  Britain: 'United Kingdom',
  'Great Britain': 'United Kingdom',
  'S. Korea': 'South Korea',
  'S. Africa': 'South Africa',
  'Czech Rep.': 'Czech Republic',
  Czechia: 'Czech Republic',
  'Hong Kong SAR': 'Hong Kong',
  'Taiwan ROC': 'Taiwan',
  'Palest. ter.': 'Palestine',
};

const baseName = (label: string) => label.replace(/\s*\([^)]*\)/g, '').trim();

function catalogueEntry(label: string) {
  try {
    return findCountry(LABEL_NAMES[baseName(label)] ?? baseName(label));
  } catch {
    return undefined; // a label the catalogue finds ambiguous: reached by its own spelling only
  }
}

/**
 * The dataset label for a place: the label itself as written, else the labels of the same catalogue
 * place, a national sample first ("India (Current national sample)" before "India (Non-national sample)").
 */
export function countryLabel(query: string, labels: readonly string[]): string {
  const exact = labels.find((label) => normaliseName(label) === normaliseName(query));
  if (exact) return exact;
  const entry = findCountry(query);
  const candidates = entry ? labels.filter((label) => catalogueEntry(label) === entry) : [];
  const rank = (label: string) => (!label.includes('(') ? 0 : /current national/i.test(label) ? 1 : /national/i.test(label) && !/non-national/i.test(label) ? 2 : 3);
  const best = [...candidates].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0];
  if (best) return best;
  if (entry) throw new UserError(`GlobalOpinionQA has no answers from ${describeCountry(entry)}`);
  throw unknownCountryError(query, labels);
}

/** A country's GlobalOpinionQA target: every question that has its distribution, all-zero ones skipped and counted. */
export function opinionTarget(data: OpinionData, request: TargetRequest): Target {
  const labels = [...new Set(data.questions.flatMap((q) => Object.keys(q.selections)))].sort();
  const label = countryLabel(request.country, labels);
  const asked = data.questions.filter((q) => q.selections[label] !== undefined);
  const answered = asked.filter((q) => q.selections[label].some((v) => v > 0));
  const entry = catalogueEntry(label) ?? findCountry(request.country);
  const reference: OpinionReference = {
    label,
    file: { sha256: data.file.sha256 },
    questions: answered.map((q) => ({ question: q.question, options: q.options, distribution: q.selections[label] })),
    skipped: asked.length - answered.length,
  };
  const country = entry
    ? { name: entry.name, kind: entry.kind, ...(entry.code ? { code: entry.code } : {}), ...(entry.iso2 ? { iso2: entry.iso2, iso3: entry.iso3 } : {}), personaName: entry.personaName }
    : { name: baseName(label), kind: 'country' as const, personaName: baseName(label) };
  return { country, fallback: 'none', values: {}, missing: [], reference };
}
