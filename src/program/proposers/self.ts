import { Rng } from '../../util/seeded-random.ts';
import type { Scorer } from '../../model/types.ts';
import { instructionFromText } from '../instruction.ts';
import { proposerMessages, type ProposalRequest, type Proposer, type ProposerState } from '../proposer.ts';

/** Tokens the model may write per instruction. */
const PROPOSAL_TOKENS = 64;

/**
 * The request shortened until `fits`: COPRO's worst attempts, then MIPROv2's last demonstrations, left
 * out; undefined when even the shortest does not fit (the round then gets no proposal from the model).
 */
export function fittedRequest(request: ProposalRequest, fits: (request: ProposalRequest) => boolean): ProposalRequest | undefined {
  let shortened = request;
  while (!fits(shortened)) {
    if (shortened.kind === 'attempts' && shortened.attempts.length > 1) shortened = { ...shortened, attempts: shortened.attempts.slice(1) };
    else if (shortened.kind === 'grounded' && shortened.demos.length > 0) shortened = { ...shortened, demos: shortened.demos.slice(0, -1) };
    else return undefined;
  }
  return shortened;
}

/**
 * The model being programmed as its own proposer: the proposer's chat through its chat template, then
 * `count` texts sampled at the round's temperature (top-p 1) with the seeded sampler; the generator's
 * state is the proposer's, so a checkpoint continues the same texts. A chat that would pass the
 * model's context with the new tokens is shortened first (fittedRequest).
 */
export function selfProposer(model: Scorer & { config: { maxPositions?: number } }, task: string, seed: number, state: ProposerState | undefined): Proposer {
  const rng = state?.kind === 'self' ? Rng.fromState(state.rng) : Rng.fromSeed(`proposer ${seed}`);
  const promptOf = (request: ProposalRequest) =>
    model.tokenizer.encode(model.tokenizer.applyChatTemplate(proposerMessages(request, task), { addGenerationPrompt: true }), { addSpecialTokens: false });
  const { maxPositions } = model.config;
  return {
    description: 'self',
    propose: async (request) => {
      if (request.count === 0) return [];
      const fitted = fittedRequest(request, (r) => maxPositions === undefined || promptOf(r).length + PROPOSAL_TOKENS <= maxPositions);
      if (fitted === undefined) return [];
      const [texts] = await model.generate!([promptOf(fitted)], [undefined], { maxNewTokens: PROPOSAL_TOKENS, sampling: { temperature: fitted.temperature, topP: 1, n: fitted.count, rng } });
      return texts.map((ids) => instructionFromText(model.tokenizer.decode(ids))).filter((text): text is string => text !== undefined);
    },
    state: () => ({ kind: 'self', rng: rng.state() }),
  };
}
