import type { RngState } from '../util/seeded-random.ts';
import type { ChatMessage } from '../model/types.ts';
import { COUNTRY_SLOT } from './instruction.ts';

/** An instruction tried and its loss (lower is better). */
export interface Attempt {
  instruction: string;
  loss: number;
}

/**
 * What COPRO asks a proposer for (dspy's BasicGenerateInstruction and GenerateInstructionGivenAttempts):
 * `count` new instructions from the current one, or from the attempts so far, worst to best.
 */
export type ProposalRequest =
  | { kind: 'initial'; instruction: string; count: number; temperature: number }
  | { kind: 'attempts'; attempts: Attempt[]; count: number; temperature: number };

/** A proposer's state as plain JSON: what a checkpoint needs to continue its proposals exactly. */
export type ProposerState = { kind: 'file'; next: number } | { kind: 'self'; rng: RngState } | { kind: 'url'; calls: number };

export interface Proposer {
  /** How the run record names it ("file seeds.txt", "self", "http://127.0.0.1:8080/v1 (model m)"). */
  readonly description: string;
  /** Up to `request.count` instructions (fewer where the source runs out); duplicates are the optimiser's to drop. */
  propose(request: ProposalRequest): Promise<string[]>;
  state(): ProposerState;
}

/** Losses as the proposer reads them: four decimals, enough to order the attempts. */
export function formatLoss(loss: number): string {
  return loss.toFixed(4);
}

/**
 * The chat a proposer that writes (a model, an endpoint) is given. The wording follows dspy's COPRO
 * signatures (dspy/teleprompt/copro_optimizer.py), with losses in place of scores (lower is better,
 * so worst to best is highest loss first) and no output prefix (cultune scores answer options).
 */
export function proposerMessages(request: ProposalRequest, task: string): ChatMessage[] {
  const slot = `The instruction is a template: keep the slot ${COUNTRY_SLOT}, which is replaced by each country's name. Answer with the instruction alone, on one line.`;
  if (request.kind === 'initial') {
    return [
      {
        role: 'system',
        content: "You are an instruction optimizer for large language models. I will give you a task and the instruction it uses now. Your task is to propose an instruction that will lead a good language model to perform the task well. Don't be afraid to be creative.",
      },
      { role: 'user', content: `Task: ${task}\n${slot}\n\nBasic instruction: ${request.instruction}\n\nProposed instruction:` },
    ];
  }
  const attempts = request.attempts.flatMap((a, i) => [`Instruction #${i + 1}: ${a.instruction}`, `Resulting loss #${i + 1}: ${formatLoss(a.loss)}`]);
  return [
    {
      role: 'system',
      content:
        "You are an instruction optimizer for large language models. I will give some task instructions I've tried, along with their corresponding losses. The instructions are arranged in decreasing order of loss, where lower losses indicate better quality. Your task is to propose a new instruction that will lead a good language model to perform the task even better. Don't be afraid to be creative.",
    },
    { role: 'user', content: `Task: ${task}\n${slot}\n\n${attempts.join('\n')}\n\nProposed instruction:` },
  ];
}
