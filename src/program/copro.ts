import type { Attempt, ProposalRequest } from './proposer.ts';

/**
 * COPRO of DSPy (Khattab et al. 2023, arXiv 2310.03714; dspy/teleprompt/copro_optimizer.py): its defaults, breadth 10,
 * depth 3, initial temperature 1.4.
 */
export interface CoproSettings {
  breadth: number;
  depth: number;
  initTemperature: number;
}

export const COPRO_DEFAULTS: CoproSettings = { breadth: 10, depth: 3, initTemperature: 1.4 };

/** One evaluated instruction: its mean loss over the training countries and each country's. */
export interface Candidate {
  instruction: string;
  /** The round (0-based depth) that proposed it. */
  depth: number;
  loss: number;
  losses: Record<string, number>;
}

export type StopReason = 'finished' | 'budget';

/** A proposed instruction the model cannot be asked with (its questions would pass the model's context), with why. */
export interface SetAsideInstruction {
  instruction: string;
  reason: string;
}

/**
 * The search between two steps, plain JSON for the checkpoint. `pending` null means the round's
 * proposals are due; an array holds the round's candidates not yet evaluated.
 */
export interface CoproState {
  depth: number;
  pending: string[] | null;
  evaluated: Candidate[];
  /** Instrument evaluations spent (one per candidate per training country). */
  spend: number;
  /** Candidates not evaluated because they do not fit the model (absent while there are none). */
  setAside?: SetAsideInstruction[];
  stopped?: StopReason;
}

export interface CoproIo {
  propose(request: ProposalRequest): Promise<string[]>;
  evaluate(instruction: string): Promise<{ loss: number; losses: Record<string, number> }>;
  /** Why the model cannot be asked with this instruction (too long for its context), or undefined. */
  overflow(instruction: string): string | undefined;
  /** Instrument evaluations one candidate costs (the training countries). */
  costPerCandidate: number;
  /** Instrument evaluations the search may spend. */
  budget: number;
}

export function initialCoproState(): CoproState {
  return { depth: 0, pending: null, evaluated: [], spend: 0 };
}

/**
 * The best min(breadth, evaluated) candidates as the proposer sees them: worst to best (highest
 * loss first), as dspy orders its attempts; ties keep the order of evaluation.
 */
export function attemptsShown(evaluated: readonly Candidate[], breadth: number): Attempt[] {
  const ranked = evaluated.map((c, i) => ({ c, i })).sort((a, b) => a.c.loss - b.c.loss || a.i - b.i);
  return ranked.slice(0, Math.min(breadth, ranked.length)).reverse().map(({ c }) => ({ instruction: c.instruction, loss: c.loss }));
}

/** The winner: the lowest mean loss, the earliest evaluated among equals. */
export function bestCandidate(evaluated: readonly Candidate[]): Candidate | undefined {
  return evaluated.reduce<Candidate | undefined>((best, c) => (best === undefined || c.loss < best.loss ? c : best), undefined);
}

/** Proposals with empty lines, repeats and instructions already evaluated dropped (dspy skips duplicates). */
function newCandidates(proposals: readonly string[], evaluated: readonly Candidate[]): string[] {
  const seen = new Set(evaluated.map((c) => c.instruction));
  return proposals.filter((p) => {
    if (p.length === 0 || seen.has(p)) return false;
    seen.add(p);
    return true;
  });
}

/**
 * One step of the search, the unit a checkpoint follows: a round's proposals, one candidate's
 * evaluation, or the end of a round. Round 0 asks for breadth - 1 instructions from the original and
 * keeps the original (first, so a small budget still measures it); each later round shows the best
 * attempts and asks for breadth new ones; the last round proposes nothing after it.
 */
export async function coproStep(state: CoproState, settings: CoproSettings, original: string, io: CoproIo): Promise<CoproState> {
  if (state.stopped) return state;
  if (state.pending === null) {
    const { breadth, initTemperature: temperature } = settings;
    const request: ProposalRequest =
      state.depth === 0
        ? { kind: 'initial', instruction: original, count: breadth - 1, temperature }
        : { kind: 'attempts', attempts: attemptsShown(state.evaluated, breadth), count: breadth, temperature };
    const proposals = await io.propose(request);
    return { ...state, pending: newCandidates(state.depth === 0 ? [original, ...proposals] : proposals, state.evaluated) };
  }
  if (state.pending.length > 0) {
    if (state.spend + io.costPerCandidate > io.budget) return { ...state, stopped: 'budget' };
    const [instruction, ...rest] = state.pending;
    // A proposal too long for the model is set aside with its reason, at no cost, rather than stopping the search.
    const reason = io.overflow(instruction);
    if (reason !== undefined) return { ...state, pending: rest, setAside: [...(state.setAside ?? []), { instruction, reason }] };
    const { loss, losses } = await io.evaluate(instruction);
    return { ...state, pending: rest, evaluated: [...state.evaluated, { instruction, depth: state.depth, loss, losses }], spend: state.spend + io.costPerCandidate };
  }
  if (state.depth >= settings.depth - 1) return { ...state, stopped: 'finished' };
  return { ...state, depth: state.depth + 1, pending: null };
}
