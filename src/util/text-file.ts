import fs from 'node:fs';
import { UserError } from './errors.ts';
import { fileSystemError } from './fs-errors.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 text strictly: an invalid byte is one line naming the file, line and byte offset (a
 * lenient decoder would put U+FFFD in its place and the text would be silently different). A leading
 * byte-order mark, which some editors on Windows write, is accepted and dropped. `nextStep` ends the
 * line (none where the caller says what happens next).
 */
export function decodeUtf8(bytes: Uint8Array, source: string, nextStep: string | null = 'save the file as UTF-8'): string {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 1);
    throw new UserError(`${source} line ${line}: not valid UTF-8 (byte ${offset})${nextStep ? `; ${nextStep}` : ''}`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Offset of the first byte that does not begin or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    try {
      UTF8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return bytes.length;
}

/** Reads a text file a user handed to cultune ("-" is stdin): strict UTF-8, one line for any failure. */
export function readTextFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    throw fileSystemError(error, file, 'read');
  }
  return decodeUtf8(bytes, file === '-' ? 'stdin' : file);
}
