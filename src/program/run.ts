import fs from 'node:fs';
import path from 'node:path';
import type { StoredInstrument } from '../instruments/objective.ts';
import { writeJsonAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { readTextFile } from '../util/text-file.ts';
import { bestCandidate, coproStep, initialCoproState, type CoproSettings, type CoproState } from './copro.ts';
import { initialMiproState, miproStep, type MiproPlan, type MiproSettings, type MiproState } from './mipro.ts';
import type { ProposalRequest, Proposer, ProposerState } from './proposer.ts';

export const PROGRAM_FILE = 'program.json';
const PROGRAM_VERSION = 1;

/** The optimiser and its settings (MIPROv2's plan as worked out for this instrument and these countries). */
export type ProgramSearch = { optimizer: 'copro'; settings: CoproSettings } | { optimizer: 'mipro'; settings: MiproSettings; plan: MiproPlan };

/** Everything that decides a search's course: a resumed run must be asked for with the same. */
export type ProgramDefinition = ProgramSearch & {
  instrument: StoredInstrument;
  /** The model's source hash: a run continues on the model it started on. */
  model: string;
  countries: string[];
  train: string[];
  heldOut: string[];
  seed: number;
  original: string;
  proposer: string;
  /** Instrument evaluations the search may spend (train's --budget counts the same unit). */
  budget: number;
};

/** An instruction (with its demonstrations' items, MIPROv2) measured on the held-out countries. */
export interface HeldOutResult {
  instruction: string;
  demos?: string[];
  loss: number;
  losses: Record<string, number>;
}

/** The winner so far: the instruction, MIPROv2's demo set (the items shown, answered for each country), and its mean training loss. */
export interface ProgramBest {
  instruction: string;
  demos?: string[];
  loss: number;
}

/** program.json: the definition, the search's state and the proposer's, rewritten atomically after every step. */
export interface ProgramRecord {
  version: number;
  definition: ProgramDefinition;
  state: CoproState | MiproState;
  proposer: ProposerState;
  /** The winner so far (lowest mean training loss; MIPROv2: lowest full evaluation). */
  best?: ProgramBest;
  /** After the search: the winner and the original on the held-out countries. */
  heldOut?: { best: HeldOutResult; original: HeldOutResult };
  /** Model work spent: instrument evaluations by the search and on held-out countries, and instructions proposed. */
  spend: { search: number; heldOut: number; proposals: number };
}

/** One evaluation: the mean loss over the countries asked, each country's, and (when asked to capture) each country's labelled items answered as its people do. */
export interface ProgramEvaluation {
  loss: number;
  losses: Record<string, number>;
  answeredAsLabelled?: Record<string, string[]>;
}

export interface ProgramIo {
  proposer: Proposer;
  /** The instruction with demonstrations of `demos` (items) over `countries`. */
  evaluate(instruction: string, demos: readonly string[], countries: readonly string[], capture: boolean): Promise<ProgramEvaluation>;
  /** Why the model cannot be asked with the instruction and demo set (its questions pass the model's context), or undefined. */
  overflow(instruction: string, demos: readonly string[]): string | undefined;
  /** MIPROv2's grounding: each training country's labelled items, a demo set as the proposer reads it, the data summary. */
  labelledItems(country: string): readonly string[];
  describeDemos(items: readonly string[]): string[];
  summary: string;
  /** Called after each step is written (progress lines). */
  onStep?(record: ProgramRecord): void;
}

/** program.json of `dir` parsed and checked for the parts its readers use; `advice` says what to do with a damaged one. */
function parseProgramFile(file: string, advice: string): ProgramRecord {
  let record: ProgramRecord;
  try {
    record = JSON.parse(readTextFile(file)) as ProgramRecord;
  } catch {
    throw new UserError(`${file} is not a program record: ${advice}`);
  }
  const definition = record?.definition;
  const wellFormed = typeof definition?.instrument?.name === 'string' && Array.isArray(definition.train) && Array.isArray(definition.heldOut) && typeof definition.model === 'string' && typeof record.state === 'object' && record.state !== null && typeof record.spend?.search === 'number';
  if (!wellFormed) throw new UserError(`${file} is not a program record (definition, state or spend missing): ${advice}`);
  return record;
}

/** The stored run in `dir`, or undefined; a record from another definition is refused in one line. */
export function readProgram(dir: string, definition: ProgramDefinition): ProgramRecord | undefined {
  const file = path.join(dir, PROGRAM_FILE);
  if (!fs.existsSync(file)) return undefined;
  const record = parseProgramFile(file, 'remove the folder, or choose another --name');
  if (record.version !== PROGRAM_VERSION || JSON.stringify(record.definition) !== JSON.stringify(definition)) {
    throw new UserError(`${file} was started with other settings (instrument, countries, seed, optimizer, proposer, budget or model): resume it with the same flags, or choose another --name`);
  }
  return record;
}

/**
 * Runs (or continues) the search to its end, then measures the winner and the original on the held-out
 * countries. program.json is written after every step, so a run killed at any point continues from
 * its last step with the same proposer and generator state, to the same result.
 */
export async function runProgram(dir: string, definition: ProgramDefinition, io: ProgramIo, stored?: ProgramRecord): Promise<ProgramRecord> {
  const file = path.join(dir, PROGRAM_FILE);
  const initial = definition.optimizer === 'copro' ? initialCoproState() : initialMiproState(definition.seed);
  let record: ProgramRecord = stored ?? { version: PROGRAM_VERSION, definition, state: initial, proposer: io.proposer.state(), spend: { search: 0, heldOut: 0, proposals: 0 } };
  const save = (next: ProgramRecord) => {
    writeJsonAtomic(file, next);
    record = next;
    io.onStep?.(next);
  };
  if (!stored) save(record);
  let proposals = record.spend.proposals;
  const propose = async (request: ProposalRequest) => {
    const written = await io.proposer.propose(request);
    proposals += written.length;
    return written;
  };
  const step = searchStep(definition, io, propose);
  while (!record.state.stopped) {
    const { state, best } = await step(record.state);
    save({ ...record, state, proposer: io.proposer.state(), spend: { ...record.spend, search: state.spend, proposals }, ...(best && { best }) });
  }
  if (definition.heldOut.length > 0 && record.best && !record.heldOut) {
    const measure = async (instruction: string, demos: readonly string[]): Promise<HeldOutResult> => {
      const { loss, losses } = await io.evaluate(instruction, demos, definition.heldOut, false);
      return { instruction, ...(demos.length > 0 && { demos: [...demos] }), loss, losses };
    };
    const heldOut = { best: await measure(record.best.instruction, record.best.demos ?? []), original: await measure(definition.original, []) };
    save({ ...record, heldOut, spend: { ...record.spend, heldOut: 2 * definition.heldOut.length } });
  }
  return record;
}

/** The definition's optimiser as one step from a state to the next, with the winner so far. */
function searchStep(definition: ProgramDefinition, io: ProgramIo, propose: (request: ProposalRequest) => Promise<string[]>): (state: ProgramRecord['state']) => Promise<{ state: ProgramRecord['state']; best?: ProgramBest }> {
  if (definition.optimizer === 'copro') {
    const coproIo = {
      propose,
      evaluate: (instruction: string) => io.evaluate(instruction, [], definition.train, false),
      overflow: (instruction: string) => io.overflow(instruction, []),
      costPerCandidate: definition.train.length,
      budget: definition.budget,
    };
    return async (state) => {
      const next = await coproStep(state as CoproState, definition.settings, definition.original, coproIo);
      const best = bestCandidate(next.evaluated);
      return { state: next, best: best && { instruction: best.instruction, loss: best.loss } };
    };
  }
  const miproIo = {
    propose,
    evaluate: io.evaluate,
    overflow: io.overflow,
    labelledItems: io.labelledItems,
    describeDemos: io.describeDemos,
    summary: io.summary,
    train: definition.train,
    budget: definition.budget,
  };
  return async (state) => {
    const next = await miproStep(state as MiproState, definition.settings, definition.plan, definition.original, miproIo);
    const best = next.best && { instruction: next.instructions[next.best.instruction], ...(next.demoSets[next.best.demos]?.length ? { demos: next.demoSets[next.best.demos] } : {}), loss: next.best.loss };
    return { state: next, best };
  };
}

/**
 * A finished program run, for the programmed conditions of `eval`: its record, refused in one line when
 * the folder holds none, when the search has not finished, or when nothing was evaluated.
 */
export function readFinishedProgram(dir: string): ProgramRecord {
  const file = path.join(dir, PROGRAM_FILE);
  if (!fs.existsSync(file)) throw new UserError(`${dir} holds no ${PROGRAM_FILE}: give a folder written by cultune program`);
  const record = parseProgramFile(file, 'give a folder written by cultune program');
  if (!record.state.stopped) throw new UserError(`${dir}: the program search has not finished; continue it with cultune program --resume (and the flags it was started with)`);
  if (!record.best) throw new UserError(`${dir}: the program search evaluated no instruction; run cultune program again with a larger --budget`);
  return record;
}
