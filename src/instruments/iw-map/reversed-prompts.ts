import type { IvsItem } from './projection.ts';

/**
 * The reference prompts with their options in the reverse order, for order balancing: the numbers
 * keep their places and the labels trade them, first with last, second with second-to-last, as VSM's
 * reversed variants show a scale (survey/questions.ts). "1 is Very happy, ..., 4 is Not at all happy"
 * becomes "1 is Not at all happy, ..., 4 is Very happy", so answer 1 now means what 4 meant.
 * Each item lists the label pairs that trade places, spelled as its reference prompt spells them (a
 * middle option keeps its place); Y003 is asked as yes/no questions, whose order is reversed where
 * they are asked (iw-map-instrument.ts).
 */
const SWAPS: Record<Exclude<IvsItem, 'Y003'>, readonly (readonly [string, string])[]> = {
  A008: [
    ['Very happy', 'Not at all happy'],
    ['Quite happy', 'Not very happy'],
  ],
  A165: [['most people can be trusted', 'you need to be very careful in dealing with people']],
  E018: [['a good thing', 'a bad thing']],
  E025: [['have signed a petition', 'would never under any circumstances do it']],
  F063: [['very important', 'not at all important']],
  F118: [['never justifiable', 'always justifiable']],
  F120: [['always justifiable', 'never justifiable']],
  G006: [
    ['very proud', 'not at all proud'],
    ['quite proud', 'not very proud'],
  ],
  Y002: [
    ['Maintaining order in the society', 'Protecting freedom of speech'],
    ['Giving people more say in important government decisions', 'Fighting rising prices'],
  ],
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with each pair's labels traded, all at once; a label the text lacks is a bug in SWAPS. */
export function reversedPrompt(item: Exclude<IvsItem, 'Y003'>, text: string): string {
  const partner = new Map(SWAPS[item].flatMap(([a, b]) => [[a, b], [b, a]] as const));
  for (const label of partner.keys()) if (!text.includes(label)) throw new Error(`iw-map: the prompt of ${item} does not say "${label}"`);
  // Longest first, so "not very proud" is traded whole before "very proud" could match inside it.
  const labels = [...partner.keys()].sort((a, b) => b.length - a.length);
  return text.replace(new RegExp(labels.map(escape).join('|'), 'g'), (label) => partner.get(label)!);
}
