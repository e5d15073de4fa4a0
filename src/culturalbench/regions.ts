/**
 * The 45 CulturalBench countries grouped into world regions, for the per-region rows of the report.
 * The dataset has no region column; this grouping (cultune's own, close to the continents of the
 * CulturalBench leaderboard) keeps every region large enough for a useful interval.
 */
const REGIONS: Record<string, readonly string[]> = {
  'North America': ['Canada', 'United States'],
  'Latin America': ['Argentina', 'Brazil', 'Chile', 'Mexico', 'Peru'],
  'Western Europe': ['France', 'Germany', 'Italy', 'Netherlands', 'Spain', 'United Kingdom'],
  'Eastern Europe': ['Czech Republic', 'Poland', 'Romania', 'Russia', 'Ukraine'],
  'Middle East': ['Iran', 'Israel', 'Lebanon', 'Saudi Arabia', 'Turkey'],
  Africa: ['Egypt', 'Morocco', 'Nigeria', 'South Africa', 'Zimbabwe'],
  'South Asia': ['Bangladesh', 'India', 'Nepal', 'Pakistan'],
  'Southeast Asia': ['Indonesia', 'Malaysia', 'Philippines', 'Singapore', 'Thailand', 'Vietnam'],
  'East Asia': ['China', 'Hong Kong', 'Japan', 'South Korea', 'Taiwan'],
  Oceania: ['Australia', 'New Zealand'],
};

const REGION_OF = new Map(Object.entries(REGIONS).flatMap(([region, countries]) => countries.map((c) => [c, region] as const)));

/** A country missing from the table (a newer dataset version) is reported under 'Other' rather than rejected. */
export function regionOf(country: string): string {
  return REGION_OF.get(country) ?? 'Other';
}
