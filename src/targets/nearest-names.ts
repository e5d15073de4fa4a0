/** Levenshtein distance (insertions, deletions, substitutions all cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Edit distance to a spelling, or to its start plus one: a truncated long name ("Saudia") stays close. */
function closeness(query: string, spelling: string): number {
  return Math.min(editDistance(query, spelling), editDistance(query, spelling.slice(0, query.length)) + 1);
}

/**
 * The `count` candidates closest to `query`, each judged by its closest spelling (name, alias, code),
 * ties kept in the candidates' order. Spellings are compared as given: normalise both sides first.
 */
export function nearestNames<T>(query: string, candidates: readonly T[], spellings: (candidate: T) => string[], count: number): T[] {
  return candidates
    .map((candidate, order) => ({ candidate, order, distance: Math.min(...spellings(candidate).map((s) => closeness(query, s))) }))
    .sort((a, b) => a.distance - b.distance || a.order - b.order)
    .slice(0, count)
    .map((c) => c.candidate);
}
