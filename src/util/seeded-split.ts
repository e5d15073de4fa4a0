import seedrandom from 'seedrandom';

/** Two disjoint parts of a list of ids: the part a search may look at and the part it never sees. */
export interface SeededParts<T> {
  train: T[];
  heldOut: T[];
}

/**
 * Divides `ids` (distinct, in a fixed order the caller chooses) into `trainCount` for training and the
 * rest held out: a Fisher–Yates shuffle driven by a generator seeded with `key`, the first
 * `trainCount` of the shuffled order to training. The same key and ids give the same parts on every
 * machine (seedrandom's ARC4 generator is portable), so a run can store its split and a reader can
 * check it. Both parts keep the ids' given order. CulturalBench's split and the instruments'
 * held-out splits (src/instruments/split.ts) both draw theirs here.
 */
export function seededSplit<T>(ids: readonly T[], key: string, trainCount: number): SeededParts<T> {
  if (!Number.isInteger(trainCount) || trainCount < 0 || trainCount > ids.length) throw new Error(`cannot put ${trainCount} of ${ids.length} ids in training`);
  const order = ids.map((_, i) => i);
  const random = seedrandom(key);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const training = new Set(order.slice(0, trainCount));
  return { train: ids.filter((_, i) => training.has(i)), heldOut: ids.filter((_, i) => !training.has(i)) };
}
