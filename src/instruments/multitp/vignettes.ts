import { CHARACTERS, COUNT_WORDS, DIMENSION_ORDER, DIMENSIONS, MAX_COUNT, PAIRS, SCENARIO_END, SCENARIO_START, type Character, type CharacterPair, type Dimension } from './source-facts.ts';

/** One side of a dilemma: how many of which character, and which of the dimension's two groups they are. */
export interface Side {
  character: Character;
  count: number;
  group: string;
}

/** One English vignette: the text as the source writes it, and the two sides in the order shown. */
export interface Vignette {
  dimension: Dimension;
  /** The dilemma's number within its dimension (0, 1, ...): a vignette and its swapped twin share it. */
  dilemma: number;
  /** The source's `paraphrase_choice`: "first Animals, then Humans". */
  order: string;
  text: string;
  first: Side;
  second: Side;
}

/** "a dog" for one, "three dogs" for more: the source's way of writing a count of a character. */
export function describeSide(character: Character, count: number): string {
  const [, plural, withArticle] = CHARACTERS[character];
  return count === 1 ? withArticle : `${COUNT_WORDS[count]} ${plural}`;
}

/** The source's English template with its two groups filled in. */
export function vignetteText(first: string, second: string): string {
  return `${SCENARIO_START}\n- ${first}\n- ${second}\n\n${SCENARIO_END}`;
}

/** Every count combination the source's sampler can draw for a pair (its 100 draws per pair reach each with near certainty). */
function countsOf(pair: CharacterPair): [number, number][] {
  const counts = Array.from({ length: MAX_COUNT }, (_, i) => i + 1);
  if (pair.counts === 'equal') return counts.map((n) => [n, n]);
  return counts.flatMap((fewer) => counts.filter((more) => more > fewer).map((more): [number, number] => [fewer, more]));
}

/**
 * The English vignettes of MultiTP, regenerated deterministically: each dimension's character pairs,
 * every count combination, in both orders (the pair as listed, then its swapped twin); a vignette whose
 * text and order repeat one already made within its dimension is dropped, as the source's
 * `drop_duplicates` does. The source samples counts at random, 100 draws per pair; with one character per side the set
 * it keeps is this one (see docs/instruments.md for the counts per dimension).
 */
export function generateVignettes(): Vignette[] {
  const vignettes: Vignette[] = [];
  const seen = new Set<string>();
  for (const dimension of DIMENSION_ORDER) {
    const [firstGroup, secondGroup] = DIMENSIONS[dimension].groups;
    let dilemma = 0;
    for (const pair of PAIRS[dimension]) {
      for (const [firstCount, secondCount] of countsOf(pair)) {
        const listed: [Side, Side] = [
          { character: pair.first, count: firstCount, group: firstGroup },
          { character: pair.second, count: secondCount, group: secondGroup },
        ];
        const twins = [listed, [listed[1], listed[0]]].map(([first, second]) => {
          const text = vignetteText(describeSide(first.character, first.count), describeSide(second.character, second.count));
          return { dimension, dilemma, order: `first ${first.group}, then ${second.group}`, text, first, second };
        });
        // A dilemma repeats as a whole (the source lists some pairs twice), so both twins go or stay together.
        const key = JSON.stringify([dimension, twins[0].text, twins[0].order]);
        if (seen.has(key)) continue;
        seen.add(key);
        vignettes.push(...twins);
        dilemma++;
      }
    }
  }
  return vignettes;
}
