import type { ChatMessage, ScoreRequest, TextTokenizer } from '../model/types.ts';
import { OPTION_LETTERS } from './types.ts';

/** Text a condition puts around a question: a system message and/or a preamble to the user turn. */
export interface Preamble {
  system?: string;
  user?: string;
}

/** Multiple-choice form: the options listed under letters, the answer is a letter. */
export function easyLetterBody(question: string, presented: readonly string[]): string {
  const listed = presented.map((option, p) => `${OPTION_LETTERS[p]}. ${option}`).join('\n');
  return `${question}\n\n${listed}\n\nAnswer with the letter of the correct option (A, B, C or D).`;
}

/** Cloze form (lm-evaluation-harness): the question alone, each option's text scored as the answer. */
export function easyClozeBody(question: string): string {
  return `${question}\nAnswer:`;
}

export function hardBody(question: string, statement: string): string {
  return `Question: ${question}\nProposed answer: ${statement}\nIs the proposed answer true or false? Answer True or False.`;
}

export function chatMessages(body: string, preamble: Preamble = {}): ChatMessage[] {
  const user: ChatMessage = { role: 'user', content: preamble.user ? `${preamble.user}\n\n${body}` : body };
  return preamble.system ? [{ role: 'system', content: preamble.system }, user] : [user];
}

/** " A" after a prompt that ends in a word, "A" after one that ends in whitespace: as a writer would continue it. */
export function continuationText(prompt: string, answer: string): string {
  return /\s$/.test(prompt) ? answer : ` ${answer}`;
}

/**
 * One scoring request: the chat-templated prompt, and each answer's token ids found by tokenising
 * prompt+answer (" A" and "A" tokenise differently, so they are never guessed).
 */
export function buildRequest(tokenizer: TextTokenizer, messages: ChatMessage[], answers: readonly string[]): ScoreRequest {
  const prompt = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
  const options = answers.map((answer) => {
    const ids = tokenizer.continuationIds(prompt, continuationText(prompt, answer));
    if (ids.length === 0) throw new Error(`answer ${JSON.stringify(answer)} adds no token after the prompt`);
    return ids;
  });
  // The template writes BOS itself, so the tokenizer must not add another.
  return { ids: tokenizer.encode(prompt, { addSpecialTokens: false }), options };
}
