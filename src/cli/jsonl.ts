import { UserError } from '../util/errors.ts';
import { readTextFile } from '../util/text-file.ts';

/** Parses a JSON Lines file ("-": stdin) into objects, naming the file and line of any bad record. */
export function readJsonLines(file: string): { line: number; value: Record<string, unknown> }[] {
  const text = readTextFile(file);
  const records: { line: number; value: Record<string, unknown> }[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new UserError(`${file} line ${index + 1}: not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${file} line ${index + 1}: expected a JSON object`);
    records.push({ line: index + 1, value: value as Record<string, unknown> });
  });
  if (records.length === 0) throw new UserError(`${file} holds no records`);
  return records;
}
