/**
 * Notices: one-line messages about something cultune repaired or worked around on its own (a damaged
 * cache rebuilt, a stale lock taken over). Library code reports them here; the CLI prints them on
 * stderr, and a program embedding cultune may route them elsewhere (the default drops them).
 */
let sink: (line: string) => void = () => {};

export function setNoticeSink(write: (line: string) => void): void {
  sink = write;
}

export function notice(line: string): void {
  sink(line);
}
