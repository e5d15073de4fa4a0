import { UserError } from '../util/errors.ts';
import type { ChatMessage, ScoreRequest, TextTokenizer } from '../model/types.ts';

/**
 * The text an answer is scored as after a prompt: " A" after a prompt that ends in a visible character
 * (lm-evaluation-harness's target delimiter " "), "A" after one that ends in whitespace, such as a chat
 * template's "assistant\n", where a second space would be text no writer puts there.
 */
export function continuationText(prompt: string, answer: string): string {
  return /\s$/.test(prompt) ? answer : ` ${answer}`;
}

/** Two answers of one question that this model's tokenizer cannot tell apart: the question cannot be asked. */
export class IndistinctAnswersError extends UserError {
  constructor(
    readonly first: string,
    readonly second: string,
    what: string,
  ) {
    super(`the answers "${first}" and "${second}" of ${what} tokenise the same after this model's chat template: they cannot be told apart`);
  }
}

/**
 * The one way cultune turns a question into a scoring request, for surveys and CulturalBench alike:
 * the messages rendered with the model's chat template (generation prompt added), and each answer's
 * token ids found by tokenising prompt + answer and taking what follows the prompt (the
 * lm-evaluation-harness rule: " A" and "A" tokenise differently, so ids are never guessed). An answer
 * is scored by the sum of all its tokens' log-probs, so "1" and "10" are both answers even where they
 * share their first token. Two answers that tokenise the same cannot be told apart: that is an IndistinctAnswersError, which a
 * dataset reader may catch to set the question aside.
 * `said` is text the assistant's turn already holds before the answer (a generated reasoning and the
 * read-out line of a generating format, formats.ts).
 */
export function buildScoreRequest(tokenizer: TextTokenizer, messages: ChatMessage[], answers: readonly string[], what = 'a question', said = ''): ScoreRequest {
  const prompt = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }) + said;
  const options = answers.map((answer) => {
    const ids = tokenizer.continuationIds(prompt, continuationText(prompt, answer));
    if (ids.length === 0) throw new UserError(`the tokenizer gives no token for answer "${answer}" after the prompt of ${what}`);
    return ids;
  });
  const seen = new Map<string, string>();
  options.forEach((ids, i) => {
    const key = ids.join(',');
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new IndistinctAnswersError(earlier, answers[i], what);
    }
    seen.set(key, answers[i]);
  });
  // The rendered template already holds the special tokens it wants (BOS etc.), as transformers does.
  return { ids: tokenizer.encode(prompt, { addSpecialTokens: false }), options };
}
