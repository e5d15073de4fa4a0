import type { ChatMessage, Placement, SoftPrompt } from '../model/types.ts';

/**
 * Where the persona sentence goes: a system message, or the start of the user turn (the default of
 * the surveys, so a model without a system role still sees it).
 */
export type PersonaStyle = 'system' | 'user';
export const PERSONA_STYLES: readonly PersonaStyle[] = ['system', 'user'];

/**
 * What a question is asked with, for every instrument and for CulturalBench: nothing, a persona
 * sentence naming a place, or a soft prompt put in front of the tokens.
 */
export type Conditioning =
  | { kind: 'none' }
  | { kind: 'persona'; place: string; style: PersonaStyle; sentence?: string }
  | { kind: 'soft'; prompt: SoftPrompt; placement: Placement };

export const NO_CONDITIONING: Conditioning = { kind: 'none' };

/** The one persona sentence: "You are a person from X." with `place` as it reads in a sentence ("the United States"). */
export function personaSentence(place: string): string {
  return `You are a person from ${place}.`;
}

/** The messages a question is asked with under a conditioning; a soft prompt leaves the text alone. */
export function conditionMessages(messages: readonly ChatMessage[], conditioning: Conditioning): ChatMessage[] {
  if (conditioning.kind !== 'persona') return [...messages];
  // A searched instruction (`cultune program`) takes the persona sentence's place, filled for `place`.
  const sentence = conditioning.sentence ?? personaSentence(conditioning.place);
  if (conditioning.style === 'system') return [{ role: 'system', content: sentence }, ...messages];
  const first = messages.findIndex((m) => m.role === 'user');
  return messages.map((m, i) => (i === first ? { ...m, content: `${sentence}\n\n${m.content}` } : m));
}

/** The soft prompt and its placement a scorer needs, for conditionings that have one. */
export function softPromptOf(conditioning: Conditioning): { softPrompt?: SoftPrompt; placement?: Placement } {
  return conditioning.kind === 'soft' ? { softPrompt: conditioning.prompt, placement: conditioning.placement } : {};
}
