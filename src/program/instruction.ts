import type { Conditioning, Demonstration } from '../instruments/conditioning.ts';

/** Longest instruction kept from a proposer: longer text is cut, so one rambling answer cannot fill the context. */
const MAX_INSTRUCTION_CHARS = 500;

/** The instruction in the persona sentence's place (the start of the user turn), filled for `place`, with MIPROv2's demonstrations where it has them. */
export function instructionConditioning(template: string, place: string, demos: readonly Demonstration[] = []): Conditioning {
  return { text: { place, style: 'user', template }, ...(demos.length > 0 && { demos }) };
}

/**
 * A proposer's text as one instruction: its first non-empty line, spaces collapsed, surrounding quotes
 * and a leading "Proposed instruction:" dropped, cut to MAX_INSTRUCTION_CHARS; undefined when nothing is left.
 */
export function instructionFromText(text: string): string | undefined {
  const line = text.split(/\r?\n/).map((l) => l.replace(/\s+/g, ' ').trim()).find((l) => l.length > 0);
  if (line === undefined) return undefined;
  const bare = line.replace(/^(proposed )?instruction\s*:\s*/i, '').replace(/^["'`]+|["'`]+$/g, '').trim();
  return bare.length > 0 ? bare.slice(0, MAX_INSTRUCTION_CHARS) : undefined;
}
