import type { RandomSource } from '../util/seeded-random.ts';

/**
 * JADE's archive of parents that lost to their trial: it keeps the difference vectors of
 * current-to-pbest/1 diverse. When full, a random entry makes room (Zhang & Sanderson 2009).
 */
export interface Archive {
  vectors: Float32Array;
  count: number;
}

export function archiveCapacity(archive: Archive, dim: number): number {
  return archive.vectors.length / dim;
}

export function addToArchive(archive: Archive, vector: Float32Array, rng: RandomSource): void {
  const dim = vector.length;
  const capacity = archiveCapacity(archive, dim);
  if (capacity === 0) return;
  const slot = archive.count < capacity ? archive.count++ : rng.below(capacity);
  archive.vectors.set(vector, slot * dim);
}
