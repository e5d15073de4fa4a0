import type { Sampling } from './generate.ts';
import type { Placement, SoftPrompt } from '../embedding/soft-prompt.ts';

// The soft prompt is the embedding layer's value; the model's contract names it from there.
export type { Placement, SoftPrompt };
/**
 * The contract between the model runtime and everything that asks it questions
 * (instruments such as VSM 2013, CulturalBench, the `score` command).
 */

/** One prompt and the continuations whose log-likelihoods are wanted. */
export interface ScoreRequest {
  /** Prompt token ids, used exactly as given (BOS included if wanted). */
  ids: number[];
  /** Each option is a sequence of token ids appended after the prompt; its score is the sum of its tokens' log-probs. */
  options: number[][];
}

export interface ScoreOptions {
  softPrompt?: SoftPrompt;
  placement?: Placement;
  /** Called after each internal batch with (done, total) requests, for progress display. */
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateOptions {
  placement?: Placement;
  /** Tokens generated at most per prompt; a stop token (EOS, end of turn) ends a text sooner. */
  maxNewTokens: number;
  /** Seeded sampling instead of greedy decoding (generate.ts), `n` texts per prompt (default 1), prompt by prompt. */
  sampling?: Sampling & { n?: number };
}

/** A chat message for the model's chat template. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TextTokenizer {
  /** Token ids of a text; with addSpecialTokens the tokenizer's BOS (etc.) is added as the model expects. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: number[]): string;
  /** Renders the model's chat template (with the generation prompt when asked). */
  applyChatTemplate(messages: ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
  /**
   * The token ids that continue `prompt` with `continuation`, found by tokenising prompt+continuation
   * and taking what follows the prompt's tokens (lm-evaluation-harness convention).
   */
  continuationIds(prompt: string, continuation: string): number[];
  readonly vocabSize: number;
}

/** What the rest of cultune needs from a loaded model. */
export interface Scorer {
  readonly hidden: number;
  readonly tokenizer: TextTokenizer;
  /** Log-probabilities (natural log, normalised over the full vocabulary), one array per request, one value per option. */
  score(requests: ScoreRequest[], options?: ScoreOptions): Promise<number[][]>;
  /** The same requests under several soft prompts at once, one result per prompt (faster than one call each). */
  scoreCandidates?(requests: ScoreRequest[], softPrompts: readonly (SoftPrompt | undefined)[], options?: Omit<ScoreOptions, 'softPrompt'>): Promise<number[][][]>;
  /** Greedy or sampled continuations (token ids, stop token left out) of each prompt under each soft prompt: [soft prompt][prompt], or [soft prompt][prompt x n + sample] when sampling n. */
  generate?(prompts: readonly number[][], softPrompts: readonly (SoftPrompt | undefined)[], options: GenerateOptions): Promise<number[][][]>;
  /** Throws a UserError where `generate` cannot run on this model (checked before anything is written). */
  checkGeneration?(): void;
}
