import { readFileSync } from 'node:fs';

/** One VSM 2013 content item with its full question text and its five answer labels (values 1..5). */
export interface Vsm13Item {
  number: number;
  /** The item as the questionnaire asks it, lead-in included. */
  question: string;
  labels: readonly string[];
}

interface ItemsFile {
  leadIns: Record<string, { text: string; separator: string }>;
  scales: Record<string, string[]>;
  items: { number: number; leadIn: string | null; scale: string; text: string }[];
}

let cached: Vsm13Item[] | undefined;

/** The 24 items from the project's data (read once). */
export function vsm13Items(): readonly Vsm13Item[] {
  cached ??= parseItems(JSON.parse(readFileSync(new URL('./data/items.json', import.meta.url), 'utf8')) as ItemsFile);
  return cached;
}

function parseItems(file: ItemsFile): Vsm13Item[] {
  return file.items.map((item) => {
    const labels = file.scales[item.scale];
    const leadIn = item.leadIn === null ? undefined : file.leadIns[item.leadIn];
    if (!labels || labels.length !== 5 || (item.leadIn !== null && !leadIn)) {
      throw new Error(`items.json: item ${item.number} names an unknown scale or lead-in`);
    }
    return { number: item.number, question: leadIn ? `${leadIn.text}${leadIn.separator}${item.text}` : item.text, labels };
  });
}

/** "07" for item 7: the manual's mNN naming. */
export function itemId(number: number): string {
  return String(number).padStart(2, '0');
}
