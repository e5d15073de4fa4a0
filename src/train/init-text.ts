import type { TextTokenizer } from '../model/types.ts';
import { UserError } from '../util/errors.ts';

/** `{country}` in an --init-text template stands for the country's name. */
const COUNTRY = '{country}';

/** The init text of one country from an --init-text template. */
export function resolveInitText(template: string, countryName: string): string {
  return template.replaceAll(COUNTRY, countryName);
}

/**
 * The longest --init-text taken, in characters. Only its first k tokens start the prompt (PEFT's rule)
 * and k is bounded by the model's context, so a longer text adds nothing; a persona is a sentence or two.
 */
export const MAX_INIT_TEXT_CHARS = 10_000;

/** Checks an --init-text template before the model loads. */
export function checkInitTextTemplate(template: string): string {
  if (template.trim() === '') throw new UserError('--init-text needs a non-empty text, e.g. "You are a person from {country}."');
  if (template.length > MAX_INIT_TEXT_CHARS) {
    throw new UserError(`--init-text is ${template.length} characters; at most ${MAX_INIT_TEXT_CHARS} are taken (only its first --k tokens start the prompt): shorten it`);
  }
  return template;
}

export interface InitTokens {
  /** The text's own tokens (no BOS): what the prompt's k vectors start from, repeated or cut to k. */
  ids: number[];
  /** One line when the text does not fill exactly k vectors. */
  notice?: string;
}

/**
 * The token ids a TEXT init starts from, and one line when they do not fill k. initSoftPrompt then applies
 * PEFT's rule (`src/peft/tuners/prompt_tuning/model.py`): the first k ids, or the ids repeated from the
 * start until k are filled.
 */
export function initTokens(tokenizer: TextTokenizer, text: string, k: number): InitTokens {
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  if (ids.length === 0) throw new UserError(`init text "${text}" has no tokens`);
  const notice =
    ids.length > k ? `init text "${text}" is ${ids.length} tokens; k = ${k} keeps the first ${k} (PEFT's rule), so texts that begin alike start alike: raise --k or shorten --init-text`
    : ids.length < k ? `init text "${text}" is ${ids.length} tokens; they are repeated from the start to fill k = ${k} (PEFT's rule)`
    : undefined;
  return { ids, notice };
}
