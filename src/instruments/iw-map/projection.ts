import { readFileSync } from 'node:fs';

/** The ten IVS items of the Inglehart-Welzel map, in the projection's order. */
export const IVS_ITEMS = ['A008', 'A165', 'E018', 'E025', 'F063', 'F118', 'F120', 'G006', 'Y002', 'Y003'] as const;
export type IvsItem = (typeof IVS_ITEMS)[number];

/** A position on the map: PC1 survival (-) to self-expression (+), PC2 traditional (-) to secular-rational (+). */
export interface MapPosition {
  PC1: number;
  PC2: number;
}

interface AffineFile {
  item_order: string[];
  b_rescale_intercepts: MapPosition;
  w_per_unit: Record<IvsItem, MapPosition>;
  mean_j_imputation_means: Record<IvsItem, number>;
}

let cached: AffineFile | undefined;

function affine(): AffineFile {
  cached ??= JSON.parse(readFileSync(new URL('./data/ivs_projection_affine.json', import.meta.url), 'utf8')) as AffineFile;
  if (cached.item_order.join() !== IVS_ITEMS.join()) throw new Error('ivs_projection_affine.json: unexpected item order');
  return cached;
}

/**
 * The reference study's fixed projection of one respondent's answers onto the map (affine in the
 * answers): PC_k = b_k + sum over answered items j of w_jk (x_j - mean_j). An unanswered item counts as
 * the survey mean, as the reference code's imputation does.
 */
export function projectAnswers(answers: Partial<Record<IvsItem, number>>): MapPosition {
  const { b_rescale_intercepts: b, w_per_unit: w, mean_j_imputation_means: mean } = affine();
  const position = { ...b };
  for (const item of IVS_ITEMS) {
    const x = answers[item];
    if (x === undefined) continue;
    position.PC1 += w[item].PC1 * (x - mean[item]);
    position.PC2 += w[item].PC2 * (x - mean[item]);
  }
  return position;
}

/** Y002, the post-materialism index, from the most and second most important aim: {1,3} materialist 1, {2,4} post-materialist 3, else mixed 2. */
export function recodeY002(first: number, second: number): number {
  const pair = [first, second].sort((a, b) => a - b).join();
  return pair === '1,3' ? 1 : pair === '2,4' ? 3 : 2;
}

/** The child qualities Y003 reads (numbers of the IVS list): independence and determination against religious faith and obedience. */
export const Y003_QUALITIES = { independence: 2, determination: 8, faith: 9, obedience: 11 } as const;

/**
 * Y003, the autonomy index, with chosen = 1 and not chosen = 2: (faith + obedience) - (independence +
 * determination), -2..+2. `chosen(q)` is 1 when quality q is chosen (or the probability that it is).
 */
export function recodeY003(chosen: (quality: number) => number): number {
  const code = (q: number) => 2 - chosen(q);
  const { independence, determination, faith, obedience } = Y003_QUALITIES;
  return code(faith) + code(obedience) - code(independence) - code(determination);
}
