import type { TableStats } from './table.ts';

/**
 * Box bounds for a full-space soft prompt (k rows of `hidden`), from the vocabulary's range per hidden
 * dimension widened by `margin` times that range on each side (0 = exactly the range the real
 * embeddings span), tiled over the k rows. Keeps the search near the embedding manifold.
 */
export function softPromptBounds(stats: TableStats, k: number, margin = 0.1): { lower: Float32Array; upper: Float32Array } {
  const hidden = stats.min.length;
  const lower = new Float32Array(k * hidden);
  const upper = new Float32Array(k * hidden);
  for (let j = 0; j < hidden; j++) {
    const width = stats.max[j] - stats.min[j];
    const lo = stats.min[j] - margin * width;
    const hi = stats.max[j] + margin * width;
    for (let row = 0; row < k; row++) {
      lower[row * hidden + j] = lo;
      upper[row * hidden + j] = hi;
    }
  }
  return { lower, upper };
}
