/**
 * Items of a published dataset that cannot be asked as they stand (a repeated option, a malformed row):
 * they are set aside with the reason, counted and listed in every output, and the run goes on without
 * them (lm-evaluation-harness users expect a bad document to cost that document, not the run).
 */
export interface SetAsideItem {
  /** Which part of the data: a file name, or a dataset and its split ("CulturalBench-Easy.csv"). */
  source: string;
  /** The item's own id where it has one (question_idx, a question's text...). */
  id: string | null;
  /** First line of the record in its file, where there is a file. */
  line: number | null;
  /** The country the item is about, where the data says (so a per-country result lists its own). */
  country?: string;
  reason: string;
}

/** Items grouped by reason, for one line of output: "2 set aside (1 options repeat, 1 ...)". */
export function describeSetAside(items: readonly SetAsideItem[]): string {
  const byReason = new Map<string, number>();
  for (const item of items) {
    // The reason's general part: what comes before the first colon ("options B and C repeat: ...").
    const kind = item.reason.split(':')[0];
    byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
  }
  const parts = [...byReason].map(([reason, count]) => `${count} ${reason}`);
  return `${items.length} item${items.length === 1 ? '' : 's'} set aside (${parts.join('; ')})`;
}
