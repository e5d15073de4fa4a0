import { UserError } from '../util/errors.ts';
import type { ScoreRequest, TextTokenizer } from '../model/types.ts';
import type { SurveyQuestion } from './instrument.ts';

/**
 * Renders each question with the model's chat template (generation prompt added) and finds its answer
 * tokens by tokenising prompt + answer (lm-evaluation-harness convention: "1" and " 1" differ).
 * Only each answer's first token is scored, so the answers must start with distinct tokens.
 */
export function surveyScoreRequests(tokenizer: TextTokenizer, questions: readonly SurveyQuestion[]): ScoreRequest[] {
  return questions.map((question) => {
    const prompt = tokenizer.applyChatTemplate(question.messages, { addGenerationPrompt: true });
    // The rendered template already holds the special tokens it wants (BOS etc.), as transformers does.
    const ids = tokenizer.encode(prompt, { addSpecialTokens: false });
    const firstTokens = question.answerKeys.map((key) => {
      const continuation = tokenizer.continuationIds(prompt, key);
      if (continuation.length === 0) {
        throw new UserError(`the tokenizer gives no token for answer "${key}" after the prompt of item ${question.itemId}`);
      }
      return continuation[0];
    });
    if (new Set(firstTokens).size !== firstTokens.length) {
      const shown = question.answerKeys.map((key, i) => `"${key}"->${firstTokens[i]}`).join(', ');
      throw new UserError(
        `the answers ${question.answerKeys.join('/')} do not start with distinct tokens after this model's chat template (${shown}): they cannot be told apart`,
      );
    }
    return { ids, options: firstTokens.map((id) => [id]) };
  });
}
