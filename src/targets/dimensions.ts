/** Hofstede's six dimensions, in the order of the published table and of every report. */
export const DIMENSIONS = ['PDI', 'IDV', 'MAS', 'UAI', 'LTO', 'IVR'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** A value per dimension where only some dimensions may be known (targets, published rows). */
export type PartialScores = Partial<Record<Dimension, number>>;
/** A value for every dimension (model indices, constants). */
export type DimensionScores = Record<Dimension, number>;

export const DIMENSION_NAMES: Record<Dimension, string> = {
  PDI: 'Power Distance',
  IDV: 'Individualism',
  MAS: 'Masculinity',
  UAI: 'Uncertainty Avoidance',
  LTO: 'Long-Term Orientation',
  IVR: 'Indulgence versus Restraint',
};

/** Reads a dimension name as users write it; the table's own column `ltowvs` is accepted for LTO. */
export function parseDimension(name: string): Dimension | undefined {
  const upper = name.trim().toUpperCase();
  if (upper === 'LTOWVS') return 'LTO';
  return (DIMENSIONS as readonly string[]).includes(upper) ? (upper as Dimension) : undefined;
}

export function mapDimensions(f: (dimension: Dimension) => number): DimensionScores {
  return Object.fromEntries(DIMENSIONS.map((d) => [d, f(d)])) as DimensionScores;
}
