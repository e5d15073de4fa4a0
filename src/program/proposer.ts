import type { RngState } from '../util/seeded-random.ts';
import type { ChatMessage } from '../model/types.ts';
import { COUNTRY_SLOT } from '../instruments/conditioning.ts';

/** An instruction tried and its loss (lower is better). */
export interface Attempt {
  instruction: string;
  loss: number;
}

/**
 * What an optimiser asks a proposer for: COPRO's `count` new instructions from the current one, or from
 * the attempts so far, worst to best (dspy's BasicGenerateInstruction and GenerateInstructionGivenAttempts);
 * MIPROv2's instruction grounded in a summary of the data, worked examples and a tip (dspy's
 * GenerateSingleModuleInstruction).
 */
export type ProposalRequest =
  | { kind: 'initial'; instruction: string; count: number; temperature: number }
  | { kind: 'attempts'; attempts: Attempt[]; count: number; temperature: number }
  | { kind: 'grounded'; instruction: string; summary: string; demos: string[]; tip: string; count: number; temperature: number };

/** dspy's GroundedProposer tips, in its order (the first is no tip): MIPROv2 draws one per instruction. */
export const PROPOSAL_TIPS: readonly string[] = [
  '',
  "Don't be afraid to be creative when creating the new instruction!",
  'Keep the instruction clear and concise.',
  'Make sure your instruction is very informative and descriptive.',
  'The instruction should include a high stakes scenario in which the LM must solve the task!',
  'Include a persona that is relevant to the task in the instruction (ie. "You are a ...")',
];

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

function slotLine(): string {
  return `The instruction is a template: keep the slot ${COUNTRY_SLOT}, which is replaced by each country's name. Answer with the instruction alone, on one line.`;
}

/**
 * MIPROv2's proposal chat, after dspy's GenerateSingleModuleInstruction: the data summary, the task,
 * the demonstrations of one demo set, the basic instruction and the tip; dspy's program-code and
 * module descriptions are left out (cultune's program is one instruction before a question).
 */
function groundedMessages(request: Extract<ProposalRequest, { kind: 'grounded' }>, task: string): ChatMessage[] {
  const lines = [
    `Dataset summary: ${request.summary}`,
    `Task: ${task}`,
    ...(request.demos.length > 0 ? ['Task demos:', ...request.demos] : []),
    `Basic instruction: ${request.instruction}`,
    ...(request.tip ? [`Tip: ${request.tip}`] : []),
    slotLine(),
    '',
    'Proposed instruction:',
  ];
  return [
    {
      role: 'system',
      content: 'Use the information below to learn about a task that we are trying to solve using calls to an LM, then generate a new instruction that will be used to prompt a Language Model to better solve the task.',
    },
    { role: 'user', content: lines.join('\n') },
  ];
}

/**
 * The chat a proposer that writes (a model, an endpoint) is given. The wording follows dspy's COPRO
 * signatures (dspy/teleprompt/copro_optimizer.py), with losses in place of scores (lower is better,
 * so worst to best is highest loss first) and no output prefix (cultune scores answer options).
 */
export function proposerMessages(request: ProposalRequest, task: string): ChatMessage[] {
  if (request.kind === 'grounded') return groundedMessages(request, task);
  const slot = slotLine();
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
