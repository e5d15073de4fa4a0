import type { Condition } from '../culturalbench/index.ts';
import type { Placement, Scorer } from '../model/types.ts';
import type { Target } from '../targets/index.ts';
import type { Interval } from './eval-record.ts';

/** What a task is asked with under one condition: the record's country and the condition's parts as CulturalBench takes them. */
export interface TaskContext {
  target: Target;
  /** The sentence (the persona's, or a programmed template) and the run's soft prompt, where the condition has them. */
  condition: Condition;
  placement: Placement;
  seed: string;
  bootstrap: number;
  /** At most this many questions (eval --limit). */
  limit?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** A registered task's part of an eval record: named accuracies with their intervals over the questions asked, or why it was not asked. */
export type TaskOutcome = { available: true; questions: number; scores: Record<string, Interval> } | { available: false; reason: string };

/**
 * A benchmark `eval` asks beside the run's instrument, as it asks CulturalBench: for the record's
 * country under the condition, it builds its requests (the one request builder, the condition's
 * Conditioning), scores them through the one evaluator (scoreUnderPrompts) and reads them back.
 * CulturalBench is the built-in one (its outcome stays under the record's `culturalbench`); a task
 * registered with registerTask is asked with `eval --instruments <instrument>,<task>` and kept under
 * `tasks.<name>`.
 */
export interface EvalTask<Outcome = TaskOutcome> {
  readonly name: string;
  readonly title: string;
  ask(scorer: Scorer, context: TaskContext): Promise<Outcome>;
}

export const CULTURALBENCH_TASK = 'culturalbench';

const registry = new Map<string, EvalTask>();

export function registerTask(task: EvalTask): void {
  if (!/^[a-z][a-z0-9-]*$/.test(task.name)) throw new Error(`a task's name is lowercase letters, digits and -: "${task.name}"`);
  if (task.name === CULTURALBENCH_TASK || registry.has(task.name)) throw new Error(`the task ${task.name} exists already`);
  registry.set(task.name, task);
}

export function taskNamed(name: string): EvalTask | undefined {
  return registry.get(name);
}

/** Every task eval can ask: CulturalBench, then those registered. */
export function taskNames(): string[] {
  return [CULTURALBENCH_TASK, ...registry.keys()];
}
