import { Rng } from '../../util/seeded-random.ts';
import type { Scorer } from '../../model/types.ts';
import { instructionFromText } from '../instruction.ts';
import { proposerMessages, type Proposer, type ProposerState } from '../proposer.ts';

/** Tokens the model may write per instruction. */
const PROPOSAL_TOKENS = 64;

/**
 * The model being programmed as its own proposer: the proposer's chat through its chat template, then
 * `count` texts sampled at the round's temperature (top-p 1) with the seeded sampler; the generator's
 * state is the proposer's, so a checkpoint continues the same texts.
 */
export function selfProposer(model: Scorer, task: string, seed: number, state: ProposerState | undefined): Proposer {
  const rng = state?.kind === 'self' ? Rng.fromState(state.rng) : Rng.fromSeed(`proposer ${seed}`);
  return {
    description: 'self',
    propose: async (request) => {
      if (request.count === 0) return [];
      const chat = model.tokenizer.applyChatTemplate(proposerMessages(request, task), { addGenerationPrompt: true });
      const prompt = model.tokenizer.encode(chat, { addSpecialTokens: false });
      const [texts] = await model.generate!([prompt], [undefined], { maxNewTokens: PROPOSAL_TOKENS, sampling: { temperature: request.temperature, topP: 1, n: request.count, rng } });
      return texts.map((ids) => instructionFromText(model.tokenizer.decode(ids))).filter((text): text is string => text !== undefined);
    },
    state: () => ({ kind: 'self', rng: rng.state() }),
  };
}
