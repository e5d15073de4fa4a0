/**
 * Text from outside (a server's error message, a header, a file name in a listing) made safe to print
 * on one line of a terminal. Such text may carry escape sequences that recolour, retitle or rewrite the
 * terminal, or move the cursor to forge earlier lines; line breaks that forge a second message; and
 * bidirectional overrides that make a name read as another ("Trojan Source", CVE-2021-42574).
 */

/** ECMA-48 sequences: CSI (ESC [ ... final byte), OSC/DCS/PM/APC strings (up to BEL or ST), and two-byte ESC x. */
const ESCAPE_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]/g;
/** C0 controls, DEL and C1 controls (what remains after the sequences are gone). */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
/** Unicode bidirectional embeddings, overrides and isolates. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Whether `text` holds anything printable() would remove or replace. */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(`${CONTROL.source}|${BIDI.source}`).test(text);
}

/**
 * `text` as one printable line: escape sequences and bidirectional controls removed, line breaks and
 * tabs turned into spaces, other control characters removed, runs of spaces collapsed, and at most
 * `maxLength` characters (a server may answer megabytes).
 */
export function printable(text: string, maxLength = 300): string {
  const clean = text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(BIDI, '')
    .replace(/[\t\n\v\f\r]+/g, ' ')
    .replace(CONTROL, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean;
}
