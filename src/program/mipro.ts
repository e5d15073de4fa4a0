import { Rng, type RngState } from '../util/seeded-random.ts';
import type { SetAsideInstruction, StopReason } from './copro.ts';
import { demoSets, sample, type LabelledExample } from './demo-sets.ts';
import { PROPOSAL_TIPS, type ProposalRequest } from './proposer.ts';
import { suggest, type CompletedTrial } from './tpe.ts';

/**
 * MIPROv2 of DSPy (Opsahl-Ong et al. 2024, arXiv 2406.11695; dspy/teleprompt/mipro_optimizer_v2.py) with
 * its defaults: 4 bootstrapped and 4 labelled demos at most, minibatches of 35, a full evaluation every
 * 5 minibatch trials, initial temperature 0.5; `auto` light/medium/heavy sets N = 6/12/18 candidates.
 */
export interface MiproSettings {
  auto: MiproAuto | null;
  /** N without auto: instruction and demo-set candidates. */
  candidates: number;
  /** Minibatch trials without auto. */
  trials: number;
  maxBootstrapped: number;
  maxLabelled: number;
  minibatchSize: number;
  minibatchFullEvalSteps: number;
  initTemperature: number;
}

export type MiproAuto = 'light' | 'medium' | 'heavy';
export const MIPRO_AUTO: Readonly<Record<MiproAuto, number>> = { light: 6, medium: 12, heavy: 18 };
export const MIPRO_DEFAULTS: MiproSettings = { auto: 'light', candidates: 6, trials: 10, maxBootstrapped: 4, maxLabelled: 4, minibatchSize: 35, minibatchFullEvalSteps: 5, initTemperature: 0.5 };

/** What the settings come to for one search: pool sizes, trials, and whether trials use minibatches. */
export interface MiproPlan {
  instructionCandidates: number;
  demoSetCandidates: number;
  trials: number;
  minibatch: boolean;
  /** dspy's adjusted_num_trials: the default evaluation, the minibatch trials and the full evaluations among them. */
  adjustedTrials: number;
}

/**
 * dspy's plan: with `auto`, N from the preset, instruction candidates N (zero-shot) or N/2, demo sets N,
 * trials max(2 v log2 N, 1.5 N) with v = 1 variable (zero-shot) or 2 (instruction and demos). Zero-shot
 * when demos are off or the instrument has no labels. Minibatches when the training countries
 * outnumber the minibatch size (dspy's auto mode turns them on above 50 examples and otherwise refuses
 * a minibatch larger than its validation set).
 */
export function miproPlan(settings: MiproSettings, zeroShot: boolean, trainCountries: number): MiproPlan {
  const n = settings.auto ? MIPRO_AUTO[settings.auto] : settings.candidates;
  const variables = zeroShot ? 1 : 2;
  const trials = settings.auto ? Math.floor(Math.max(2 * variables * Math.log2(n), 1.5 * n)) : settings.trials;
  const instructionCandidates = settings.auto && !zeroShot ? Math.floor(n * 0.5) : n;
  const minibatch = trainCountries > settings.minibatchSize;
  const steps = settings.minibatchFullEvalSteps;
  const adjustedTrials = minibatch ? trials + Math.floor(trials / steps) + 1 + (trials % steps !== 0 ? 1 : 0) : trials;
  return { instructionCandidates, demoSetCandidates: zeroShot ? 1 : n, trials, minibatch, adjustedTrials };
}

/** One trial of the study: its number (0 the default program), the (instruction, demo set) chosen, the mean loss and on which countries. */
export interface MiproTrial {
  number: number;
  instruction: number;
  demos: number;
  loss: number;
  full: boolean;
  countries: string[];
}

/** The search between two steps, plain JSON for the checkpoint. */
export interface MiproState {
  phase: 'default' | 'demos' | 'proposals' | 'trials';
  instructions: string[];
  demoSets: string[][];
  /** Per training country, the labelled items the original instruction answered as the country does. */
  answeredAsLabelled: Record<string, string[]>;
  trials: MiproTrial[];
  /** Minibatch (or, without minibatches, full) trials done: the count `plan.trials` bounds. */
  searchTrials: number;
  fullEvalDue: boolean;
  /** Combinations ("instruction,demos") given a full evaluation after the minibatches. */
  fullyEvaluated: string[];
  best?: { instruction: number; demos: number; loss: number };
  /** Minibatches, demo sets, tips and temperatures; and the TPE sampler's own stream. */
  rng: RngState;
  tpeRng: RngState;
  /** Instrument evaluations spent (one per country per evaluation). */
  spend: number;
  /** Instructions proposed, kept or set aside. */
  proposals: number;
  /** Proposals left out of the pool because, with some demo set, the model cannot be asked with them (absent while there are none). */
  setAside?: SetAsideInstruction[];
  stopped?: StopReason;
}

export interface MiproIo {
  propose(request: ProposalRequest): Promise<string[]>;
  /** The mean loss of an instruction with a demo set (items) over `countries`; with `capture`, also each country's labelled items answered as the country does. */
  evaluate(instruction: string, demos: readonly string[], countries: readonly string[], capture: boolean): Promise<{ loss: number; answeredAsLabelled?: Record<string, string[]> }>;
  /** The training countries' labelled items, in order (empty: zero-shot). */
  labelledItems(country: string): readonly string[];
  /** Why the model cannot be asked with this instruction and demo set (too long for its context), or undefined. */
  overflow(instruction: string, demos: readonly string[]): string | undefined;
  /** A demo set as the proposer reads it. */
  describeDemos(items: readonly string[]): string[];
  /** What the data is, for the proposer (dspy's dataset summary). */
  summary: string;
  train: readonly string[];
  budget: number;
}

export function initialMiproState(seed: number): MiproState {
  return {
    phase: 'default',
    instructions: [],
    demoSets: [],
    answeredAsLabelled: {},
    trials: [],
    searchTrials: 0,
    fullEvalDue: false,
    fullyEvaluated: [],
    rng: Rng.fromSeed(`mipro ${seed}`).state(),
    tpeRng: Rng.fromSeed(`mipro tpe ${seed}`).state(),
    spend: 0,
    proposals: 0,
  };
}

const comboKey = (instruction: number, demos: number) => `${instruction},${demos}`;

/**
 * dspy's get_program_with_highest_avg_score: the combination with the best mean minibatch loss not
 * yet fully evaluated (the first seen among equals); when all have been, the best of all.
 */
export function nextFullEvaluation(trials: readonly MiproTrial[], fullyEvaluated: readonly string[]): { instruction: number; demos: number } {
  const means = new Map<string, { instruction: number; demos: number; sum: number; n: number }>();
  for (const t of trials.filter((t) => !t.full)) {
    const key = comboKey(t.instruction, t.demos);
    const entry = means.get(key) ?? { instruction: t.instruction, demos: t.demos, sum: 0, n: 0 };
    means.set(key, { ...entry, sum: entry.sum + t.loss, n: entry.n + 1 });
  }
  const ranked = [...means].sort(([, a], [, b]) => a.sum / a.n - b.sum / b.n);
  const [, chosen] = ranked.find(([key]) => !fullyEvaluated.includes(key)) ?? ranked[0];
  return { instruction: chosen.instruction, demos: chosen.demos };
}

function betterBest(state: MiproState, trial: MiproTrial): MiproState['best'] {
  return state.best === undefined || trial.loss < state.best.loss ? { instruction: trial.instruction, demos: trial.demos, loss: trial.loss } : state.best;
}

/**
 * One step of the search, the unit a checkpoint follows: the default program's full evaluation (the
 * original instruction without demos, which also bootstraps: the items it answered as each country
 * does), building the demo sets, one instruction proposal, one trial's evaluation, or one full
 * evaluation. Trials follow dspy: TPE over (instruction, demo set) with the default as the study's
 * first trial; with minibatches, after trial numbers divisible by steps + 1 and after the last, a full
 * evaluation of the best combination not yet fully evaluated, added to the study; the winner is the
 * best full evaluation.
 */
export async function miproStep(state: MiproState, settings: MiproSettings, plan: MiproPlan, original: string, io: MiproIo): Promise<MiproState> {
  if (state.stopped) return state;
  const rng = Rng.fromState(state.rng);
  const fullCost = io.train.length;
  if (state.phase === 'default') {
    if (state.spend + fullCost > io.budget) return { ...state, stopped: 'budget' };
    const zeroShot = plan.demoSetCandidates === 1;
    const { loss, answeredAsLabelled } = await io.evaluate(original, [], io.train, !zeroShot);
    const trial: MiproTrial = { number: 0, instruction: 0, demos: 0, loss, full: true, countries: [...io.train] };
    return { ...state, phase: 'demos', instructions: [original], trials: [trial], best: betterBest(state, trial), answeredAsLabelled: answeredAsLabelled ?? {}, spend: state.spend + fullCost };
  }
  if (state.phase === 'demos') {
    const examples: LabelledExample[] = io.train.flatMap((country) => io.labelledItems(country).map((item) => ({ country, item, correct: (state.answeredAsLabelled[country] ?? []).includes(item) })));
    const drawn = plan.demoSetCandidates === 1 ? [[]] : demoSets(examples, { sets: plan.demoSetCandidates, maxBootstrapped: settings.maxBootstrapped, maxLabelled: settings.maxLabelled }, rng);
    // A demo set too long for the model with the original instruction is left out (the empty set always stays).
    const sets = drawn.filter((set) => set.length === 0 || io.overflow(original, set) === undefined);
    return { ...state, phase: 'proposals', demoSets: sets, rng: rng.state() };
  }
  if (state.phase === 'proposals') {
    // One proposal per candidate after the original, kept or set aside: the pool may end shorter.
    if (state.proposals >= plan.instructionCandidates - 1) return { ...state, phase: 'trials' };
    // Instruction i is grounded in demo set i (dspy's demo_candidates[i]) and a tip drawn at random, at T plus a small random epsilon as dspy adds.
    const demos = state.demoSets[state.instructions.length % state.demoSets.length];
    const tip = PROPOSAL_TIPS[rng.below(PROPOSAL_TIPS.length)];
    const temperature = settings.initTemperature + 0.01 + 0.04 * rng.uniform();
    const [proposed] = await io.propose({ kind: 'grounded', instruction: original, summary: io.summary, demos: io.describeDemos(demos), tip, count: 1, temperature });
    // A proposer with nothing more to say (a file run out) ends the pool where it is.
    if (proposed === undefined) return { ...state, phase: 'trials', rng: rng.state() };
    const reason = state.demoSets.map((set) => io.overflow(proposed, set)).find((r) => r !== undefined);
    if (reason !== undefined) return { ...state, proposals: state.proposals + 1, setAside: [...(state.setAside ?? []), { instruction: proposed, reason }], rng: rng.state() };
    return { ...state, instructions: [...state.instructions, proposed], proposals: state.proposals + 1, rng: rng.state() };
  }
  if (state.fullEvalDue) {
    if (state.spend + fullCost > io.budget) return { ...state, stopped: 'budget' };
    const chosen = nextFullEvaluation(state.trials, state.fullyEvaluated);
    const { loss } = await io.evaluate(state.instructions[chosen.instruction], state.demoSets[chosen.demos], io.train, false);
    const trial: MiproTrial = { number: state.trials.length, ...chosen, loss, full: true, countries: [...io.train] };
    return {
      ...state,
      trials: [...state.trials, trial],
      fullEvalDue: false,
      fullyEvaluated: [...state.fullyEvaluated, comboKey(chosen.instruction, chosen.demos)],
      best: betterBest(state, trial),
      spend: state.spend + fullCost,
    };
  }
  if (state.searchTrials >= plan.trials) return { ...state, stopped: 'finished' };
  const countries = plan.minibatch ? sample(io.train, settings.minibatchSize, rng) : [...io.train];
  if (state.spend + countries.length > io.budget) return { ...state, stopped: 'budget' };
  const tpeRng = Rng.fromState(state.tpeRng);
  const completed: CompletedTrial[] = state.trials.map((t) => ({ params: [t.instruction, t.demos], value: t.loss }));
  const [instruction, demos] = suggest(completed, [state.instructions.length, state.demoSets.length], tpeRng);
  const { loss } = await io.evaluate(state.instructions[instruction], state.demoSets[demos], countries, false);
  const trial: MiproTrial = { number: state.trials.length, instruction, demos, loss, full: !plan.minibatch, countries };
  // dspy's trial_num is the study's trial number + 1 (the default is trial 1).
  const trialNumber = trial.number + 1;
  const fullEvalDue = plan.minibatch && (trialNumber % (settings.minibatchFullEvalSteps + 1) === 0 || trialNumber === plan.adjustedTrials - 1);
  return {
    ...state,
    trials: [...state.trials, trial],
    searchTrials: state.searchTrials + 1,
    fullEvalDue,
    best: plan.minibatch ? state.best : betterBest(state, trial),
    rng: rng.state(),
    tpeRng: tpeRng.state(),
    spend: state.spend + countries.length,
  };
}
