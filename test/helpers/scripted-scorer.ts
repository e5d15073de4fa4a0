import type { ChatMessage, ScoreRequest, Scorer, TextTokenizer } from '../../src/model/types.ts';

/** A character-level tokenizer with a Llama-2-like template: enough to check prompts and answer tokens. */
export function charTokenizer(): TextTokenizer {
  const encode = (text: string) => Array.from(text, (c) => c.codePointAt(0) as number);
  return {
    encode,
    decode: (ids) => String.fromCodePoint(...ids),
    applyChatTemplate: (messages: ChatMessage[]) => messages.map((m) => `<s>[INST] ${m.content} [/INST]`).join(''),
    continuationIds: (_prompt, continuation) => encode(continuation),
    vocabSize: 0x10ffff,
  };
}

/**
 * A scorer that answers each question as a respondent whose answer to item n is `answerOf(n)` on the
 * item's own scale: it reads the shown options and puts its mass on the key printed next to that label.
 */
export function scriptedScorer(answerOf: (item: number, text: string) => number, items: readonly { number: number; question: string; labels: readonly string[] }[]): Scorer & { calls: ScoreRequest[][] } {
  const tokenizer = charTokenizer();
  const calls: ScoreRequest[][] = [];
  return {
    hidden: 8,
    tokenizer,
    calls,
    async score(requests) {
      calls.push(requests);
      return requests.map((request) => {
        const text = tokenizer.decode(request.ids);
        const item = items.find((i) => text.includes(i.question));
        if (!item) throw new Error('scripted scorer: no item in prompt');
        const label = item.labels[answerOf(item.number, text) - 1];
        const lines = text.split('\n');
        return request.options.map((option) => {
          const key = tokenizer.decode(option).trim();
          return lines.some((l) => l === `${key} = ${label}` || l === `${key}. ${label}`) ? 0 : -30;
        });
      });
    },
  };
}
