import type { ChatMessage, Placement, SoftPrompt } from '../model/types.ts';

/**
 * Where the persona sentence goes: a system message, or the start of the user turn (the default of
 * the surveys, so a model without a system role still sees it).
 */
export type PersonaStyle = 'system' | 'user';
export const PERSONA_STYLES: readonly PersonaStyle[] = ['system', 'user'];

/** The slot a sentence template fills with a country's name, as seed 000's instruction templates have it. */
export const COUNTRY_SLOT = '{country}';

/** The persona sentence as a template: "You are a person from X." */
export const PERSONA_TEMPLATE = `You are a person from ${COUNTRY_SLOT}.`;

/**
 * A sentence before the question naming a place: the persona sentence, or a searched instruction
 * (`cultune program`) in its place. `place` is as it reads in a sentence ("the United States").
 */
export interface TextConditioning {
  place: string;
  style: PersonaStyle;
  /** A template with COUNTRY_SLOT; absent: the persona sentence. */
  template?: string;
}

/** A soft prompt put in front of the tokens. */
export interface SoftConditioning {
  prompt: SoftPrompt;
  placement: Placement;
}

/** A worked example shown before the question (MIPROv2's demonstrations): one of the instrument's questions and the answer the place's people give. */
export interface Demonstration {
  item: string;
  question: string;
  answer: string;
}

/**
 * What a question is asked with, for every instrument and for CulturalBench: parts that combine. No
 * part is the unconditioned model; a text part is the persona or a programmed instruction; a soft
 * part is a tuned prompt; demonstrations are earlier turns of the chat. A programmed instruction on
 * top of a soft prompt has both parts.
 */
export interface Conditioning {
  text?: TextConditioning;
  soft?: SoftConditioning;
  demos?: readonly Demonstration[];
}

export const NO_CONDITIONING: Conditioning = {};

export function fillTemplate(template: string, place: string): string {
  return template.split(COUNTRY_SLOT).join(place);
}

/** The one persona sentence: "You are a person from X." with `place` as it reads in a sentence ("the United States"). */
export function personaSentence(place: string): string {
  return fillTemplate(PERSONA_TEMPLATE, place);
}

/** The persona conditioning for `place`. */
export function personaConditioning(place: string, style: PersonaStyle = 'user'): Conditioning {
  return { text: { place, style } };
}

/**
 * Demonstrations as user and assistant turns before the question's first user turn, leaving out the
 * question's own item (leave-one-out: a model is never shown the answer it is asked for).
 */
function withDemonstrations(messages: readonly ChatMessage[], demos: readonly Demonstration[], item: string | undefined): ChatMessage[] {
  const shown = demos.filter((d) => d.item !== item);
  if (shown.length === 0) return [...messages];
  const turns = shown.flatMap((d): ChatMessage[] => [{ role: 'user', content: d.question }, { role: 'assistant', content: d.answer }]);
  const first = Math.max(0, messages.findIndex((m) => m.role === 'user'));
  return [...messages.slice(0, first), ...turns, ...messages.slice(first)];
}

/**
 * The messages a question (of `item`, where it has one) is asked with under a conditioning; a soft
 * prompt leaves the text alone. The sentence opens the first user turn, before any demonstration.
 */
export function conditionMessages(messages: readonly ChatMessage[], conditioning: Conditioning, item?: string): ChatMessage[] {
  const { text } = conditioning;
  const chat = withDemonstrations(messages, conditioning.demos ?? [], item);
  if (!text) return chat;
  const sentence = fillTemplate(text.template ?? PERSONA_TEMPLATE, text.place);
  if (text.style === 'system') return [{ role: 'system', content: sentence }, ...chat];
  const first = chat.findIndex((m) => m.role === 'user');
  return chat.map((m, i) => (i === first ? { ...m, content: `${sentence}\n\n${m.content}` } : m));
}

/** The soft prompt and its placement a scorer needs, for conditionings that have one. */
export function softPromptOf(conditioning: Conditioning): { softPrompt?: SoftPrompt; placement?: Placement } {
  return conditioning.soft ? { softPrompt: conditioning.soft.prompt, placement: conditioning.soft.placement } : {};
}
