import { describeFetchFailure, UserError } from '../../util/errors.ts';
import { instructionFromText } from '../instruction.ts';
import { proposerMessages, type Proposer, type ProposerState } from '../proposer.ts';

import { PROPOSER_KEY_ENV } from '../../util/settings.ts';

export interface EndpointOptions {
  /** Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1 (llama.cpp, vLLM, Ollama). */
  url: string;
  model: string;
  timeoutMs: number;
  /** What the proposer is told the instruction is for. */
  task: string;
  /** The endpoint's API key ($CULTUNE_PROPOSER_KEY), sent as a bearer token when set. */
  key?: string;
}

/**
 * A chat-completions endpoint as the proposer (seed 000's best instructions came from a large
 * proposer model): one request per instruction asked for, at the round's temperature, with a seed
 * servers may honour. A server that does not answer, or answers in another shape, stops the run in
 * one line; what it wrote before is in the checkpoint, so --resume continues from there.
 */
export function endpointProposer(options: EndpointOptions, state: ProposerState | undefined): Proposer {
  const endpoint = `${options.url.replace(/\/+$/, '')}/chat/completions`;
  const { key } = options;
  let calls = state?.kind === 'url' ? state.calls : 0;
  const ask = async (body: object): Promise<string> => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new UserError(`the proposer at ${endpoint} did not answer (${describeFetchFailure(error)}): start the server, or check --proposer-url and --proposer-timeout`);
    }
    if (!response.ok) throw new UserError(`the proposer at ${endpoint} answered HTTP ${response.status}: check --proposer-model, and ${PROPOSER_KEY_ENV} if it needs a key`);
    const json = (await response.json().catch(() => undefined)) as { choices?: { message?: { content?: unknown } }[] } | undefined;
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new UserError(`the proposer at ${endpoint} answered without choices[0].message.content: check that --proposer-url is an OpenAI-compatible /v1 base`);
    return content;
  };
  return {
    description: `${options.url} (model ${options.model})`,
    propose: async (request) => {
      const messages = proposerMessages(request, options.task);
      const proposals: string[] = [];
      for (let i = 0; i < request.count; i++) {
        const text = await ask({ model: options.model, messages, temperature: request.temperature, n: 1, seed: calls });
        calls++;
        const instruction = instructionFromText(text);
        if (instruction !== undefined) proposals.push(instruction);
      }
      return proposals;
    },
    state: () => ({ kind: 'url', calls }),
  };
}
