/** The draws the DE operators need; `Rng` implements it, tests may script it. */
export interface RandomSource {
  uniform(): number;
  int32(): number;
  below(n: number): number;
  normal(mean: number, sd: number): number;
  cauchy(location: number, scale: number): number;
}
