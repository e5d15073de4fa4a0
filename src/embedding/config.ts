import type { Placement } from './soft-prompt.ts';
import type { PromptTuningInit } from './init.ts';

/**
 * How a soft prompt starts: a text's embeddings, rows of real vocabulary, random normals, or (`from`,
 * set by `train --init-from`) a prompt read from an adapter or export.
 */
export type InitKind = 'text' | 'vocab' | 'random' | 'from';
/** The kinds `--init` offers; `from` comes with `--init-from` and its file. */
export const INIT_KINDS: readonly InitKind[] = ['text', 'vocab', 'random'];

/**
 * PEFT's names for the inits (prompt_tuning_init in adapter_config.json). PEFT has none for a prompt
 * read from weights, and ignores the init once an adapter's weights load: `from` is written as its
 * default, RANDOM.
 */
export const PEFT_INIT: Record<InitKind, PromptTuningInit> = { text: 'TEXT', vocab: 'RANDOM_DISCRETE', random: 'RANDOM', from: 'RANDOM' };

/** The file a `from` prompt was read from, and its bytes' SHA-256: a resume reads the same prompt or is refused. */
export interface InitSource {
  /** Absolute path of the prompt file (an adapter_model.safetensors, prompt.json or prompt.npy). */
  path: string;
  sha256: string;
}

/**
 * The soft prompt's config record: what it is apart from its numbers. run.json stores it, `export`
 * writes it (PEFT's num_virtual_tokens, prompt_tuning_init and init text come from it), and every
 * reader puts the prompt where it was tuned.
 */
export interface SoftPromptConfig {
  /** Number of virtual tokens. */
  k: number;
  init: InitKind;
  /** The text a TEXT init starts from ("You are a person from Japan."); absent for the other inits. */
  initText?: string;
  /** `from` only: the file the prompt starts from. */
  from?: InitSource;
  placement: Placement;
}
