/**
 * Cyclic rotations of a question's options. CulturalBench-Easy's right answer is A in 53.6 % of the
 * questions, so each question is asked four times with the options shifted; every position then
 * holds the right answer exactly once, and a reader that always picks one position scores 25 % mean,
 * 0 % strict, whatever the data's letter bias.
 */

export const ROTATIONS = [0, 1, 2, 3] as const;

/** The order shown under rotation r: position p shows option (p + r) mod n. */
export function rotate<T>(items: readonly T[], rotation: number): T[] {
  return items.map((_, p) => items[(p + rotation) % items.length]);
}

/** Which original option sits at presented position p under rotation r. */
export function originalIndex(position: number, rotation: number, count: number): number {
  return (position + rotation) % count;
}
