import type { ScoreRequest } from '../../src/model/index.ts';

/**
 * The PyTorch and transformers peers score one-token options only: where every option of a request
 * starts with the same token (a Llama-2 tokenizer answers " 1" as "▁", "1"), that token moves into the
 * prompt. The options keep their order, and what is dropped, log p(shared token | prompt), is the same
 * for every option, so both sides score the same task.
 */
export function oneTokenOptions(request: ScoreRequest): ScoreRequest {
  let { ids, options } = request;
  while (options.every((o) => o.length > 1 && o[0] === options[0][0])) [ids, options] = [[...ids, options[0][0]], options.map((o) => o.slice(1))];
  if (options.some((o) => o.length !== 1)) throw new Error('the peers score one-token options only');
  return { ids, options };
}
