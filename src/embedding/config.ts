import type { Placement } from '../model/types.ts';
import type { PromptTuningInit } from './init.ts';

/** How a soft prompt starts: a text's embeddings, rows of real vocabulary, or random normals. */
export type InitKind = 'text' | 'vocab' | 'random';
export const INIT_KINDS: readonly InitKind[] = ['text', 'vocab', 'random'];

/** PEFT's names for the inits (prompt_tuning_init in adapter_config.json). */
export const PEFT_INIT: Record<InitKind, PromptTuningInit> = { text: 'TEXT', vocab: 'RANDOM_DISCRETE', random: 'RANDOM' };

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
  placement: Placement;
}
