/**
 * The DISCA estimator (Disagreement-Informed Steering for Cultural Alignment; arXiv 2605.10843, §3 and
 * Algorithm 1; the authors' reference is github trungkiet2005/cultural_alignment). Pure numbers in,
 * numbers out: a base logit gap and a panel of persona gaps for one dilemma become one steered gap.
 * Every function here is one equation of the paper; docs/instruments.md ("DISCA") lists them.
 */

/** The paper's defaults (Table "DISCA hyperparameters"). */
export const DISCA_DEFAULTS = {
  /** IS samples per pass, K_half: two passes, 128 draws in all. */
  samples: 64,
  /** Floor of the proposal's standard deviation σ (the panel's spread sets it above the floor). */
  sigmaFloor: 0.3,
  /** Cooperation weight λ_coop between the cohorts' mean utility and the consensus utility. */
  lambda: 0.7,
  /** IS softmax temperature η. */
  eta: 0.5,
  /** ESS guard threshold ρ_eff (on K_eff / K). */
  rho: 0.1,
  /** Prospect-theory curvature α (= β) and loss aversion κ (Kahneman & Tversky 1979; Tversky & Kahneman 1992). */
  alpha: 0.88,
  kappa: 2.25,
  /** Reliability gate bandwidth s. */
  gateScale: 0.04,
  /** Decision temperature T_dec of the final sigmoid. */
  decisionTemperature: 0.5,
} as const;

/**
 * The four ablations of the paper's Table "Cross-backbone ablation", the full method, and the
 * consensus-only control the seed's reviewers asked for: the panel's mean gap alone, no base model's
 * gap and no correction (does the machinery add anything over averaging the personas?).
 */
export type DiscaAblation = 'none' | 'no-persona' | 'gate-always-on' | 'no-is' | 'no-debiasing' | 'consensus-only';
export const DISCA_ABLATIONS: readonly DiscaAblation[] = ['none', 'no-persona', 'gate-always-on', 'no-is', 'no-debiasing', 'consensus-only'];

/**
 * Where the paper and the authors' code differ: `paper` follows Algorithm 1 (ESS guard ESS > ρ, anchor
 * blend α_ess = min(1, mean ESS / ρ)); `code` follows experiment_DM/exp24_dpbr_core.py (guard ESS ≥ ρ,
 * α = clip(min ESS, ρ, 1), and a per-country running prior over the scenarios in the order asked).
 */
export type DiscaVariant = 'paper' | 'code';
export const DISCA_VARIANTS: readonly DiscaVariant[] = ['paper', 'code'];

export interface DiscaParameters {
  samples: number;
  sigmaFloor: number;
  lambda: number;
  eta: number;
  rho: number;
  alpha: number;
  kappa: number;
  gateScale: number;
  decisionTemperature: number;
  variant: DiscaVariant;
  ablation: DiscaAblation;
}

export const DEFAULT_PARAMETERS: DiscaParameters = { ...DISCA_DEFAULTS, variant: 'paper', ablation: 'none' };

/** Position debiasing (§3.3): the gap toward one side with that side shown second, minus the gap with it shown first, halved; an additive position bias cancels. */
export function debiasedGap(original: number, swapped: number): number {
  return (original - swapped) / 2;
}

/** The Kahneman–Tversky value function: z^α for gains, −κ(−z)^α for losses. */
export function prospectValue(z: number, alpha: number, kappa: number): number {
  return z >= 0 ? z ** alpha : -kappa * (-z) ** alpha;
}

/** The proposal's standard deviation: the panel's sample standard deviation (n − 1), floored so four gaps that agree cannot collapse it. */
export function proposalSigma(agents: readonly number[], floor: number): number {
  if (agents.length < 2) return floor;
  const mean = agents.reduce((s, d) => s + d, 0) / agents.length;
  const variance = agents.reduce((s, d) => s + (d - mean) ** 2, 0) / (agents.length - 1);
  return Math.max(Math.sqrt(variance), floor);
}

/**
 * U_total(ε_k) (Eqs. gains and util_total): each candidate δ̃_k = δ̄ + ε_k is scored by how much closer it lands
 * to each cohort's gap than the base gap did, and to the consensus, both in units of σ, through v, mixed by λ.
 */
export function candidateUtility(base: number, agents: readonly number[], epsilon: number, sigma: number, p: Pick<DiscaParameters, 'lambda' | 'alpha' | 'kappa'>): number {
  const consensus = agents.reduce((s, d) => s + d, 0) / agents.length;
  const candidate = consensus + epsilon;
  const cohorts = agents.reduce((s, d) => s + prospectValue((Math.abs(base - d) - Math.abs(candidate - d)) / sigma, p.alpha, p.kappa), 0) / agents.length;
  const collective = prospectValue((Math.abs(base - consensus) - Math.abs(candidate - consensus)) / sigma, p.alpha, p.kappa);
  return (1 - p.lambda) * cohorts + p.lambda * collective;
}

/** w_k ∝ exp(U_k / η), normalised (shifted by the largest utility so exp cannot overflow). */
export function softmaxWeights(utilities: readonly number[], eta: number): number[] {
  const top = Math.max(...utilities);
  const raw = utilities.map((u) => Math.exp((u - top) / eta));
  const total = raw.reduce((s, w) => s + w, 0);
  return raw.map((w) => w / total);
}

/** Kish's effective sample size as a share of the draws: (1 / Σ w²) / K. */
export function effectiveSampleRatio(weights: readonly number[]): number {
  return 1 / weights.reduce((s, w) => s + w * w, 0) / weights.length;
}

export interface PassResult {
  /** δ*_m: the weighted mean of the perturbations, or 0 where the ESS guard tripped. */
  correction: number;
  ess: number;
}

/** One PT-IS pass over given perturbations ε_k (Eq. pt-is-aggregation) with the ESS guard of Algorithm 1. */
export function importancePass(base: number, agents: readonly number[], epsilons: readonly number[], sigma: number, p: DiscaParameters): PassResult {
  const weights = softmaxWeights(
    epsilons.map((e) => candidateUtility(base, agents, e, sigma, p)),
    p.eta,
  );
  const ess = effectiveSampleRatio(weights);
  const trusted = p.variant === 'paper' ? ess > p.rho : ess >= p.rho;
  return { correction: trusted ? weights.reduce((s, w, k) => s + w * epsilons[k], 0) : 0, ess };
}

/** The dual-pass reliability gate r = exp(−(δ*₁ − δ*₂)² / s) (Eq. gate). */
export function reliabilityGate(first: number, second: number, scale: number): number {
  return Math.exp(-((first - second) ** 2) / scale);
}

/** The anchor blend α_ess: the paper's min(1, mean ESS / ρ), or the code's clip(min ESS, ρ, 1). */
export function anchorBlend(essFirst: number, essSecond: number, p: Pick<DiscaParameters, 'rho' | 'variant'>): number {
  if (p.variant === 'paper') return Math.min(1, (essFirst + essSecond) / 2 / p.rho);
  return Math.min(1, Math.max(p.rho, Math.min(essFirst, essSecond)));
}

/** δ_final = α_ess·δ̄ + (1 − α_ess)·δ_base + δ* (Algorithm 1, line "δ_final"). */
export function finalGap(base: number, consensus: number, correction: number, blend: number): number {
  return blend * consensus + (1 - blend) * base + correction;
}

/** p_spare = σ(δ / T_dec). */
export function sparingProbability(gap: number, temperature: number): number {
  return 1 / (1 + Math.exp(-gap / temperature));
}

/** Proposition 1's oracle shrinkage γ* = Δ_h² / (Δ_h² + τ²/N): the MSE-optimal share of the consensus adjustment. */
export function oracleShrinkage(oracleAdjustment: number, tau2: number, n: number): number {
  const signal = oracleAdjustment ** 2;
  return signal === 0 && tau2 === 0 ? 1 : signal / (signal + tau2 / n);
}

/** One dilemma's steering, every intermediate kept so a report (or a test) can show it. */
export interface DiscaStep {
  base: number;
  agents: number[];
  consensus: number;
  sigma: number;
  passes: [PassResult, PassResult];
  gate: number;
  correction: number;
  blend: number;
  gap: number;
}

/**
 * Steers one dilemma: `base` and `agents` are the debiased gaps (already divided by the dimension's
 * logit temperature), `normal` draws standard normals (seeded by the caller). The ablations: no
 * persona puts the base gap in place of the panel; no IS sets both passes to 0 with full ESS; the
 * gate always on fixes r = 1 (no debiasing is the caller's: it passes one order's gaps).
 */
export function steer(base: number, panel: readonly number[], normal: () => number, p: DiscaParameters): DiscaStep {
  const agents = p.ablation === 'no-persona' ? [base] : [...panel];
  const consensus = agents.reduce((s, d) => s + d, 0) / agents.length;
  const sigma = proposalSigma(agents, p.sigmaFloor);
  const pass = (): PassResult => {
    const epsilons = Array.from({ length: p.samples }, () => normal() * sigma);
    return p.ablation === 'no-is' ? { correction: 0, ess: 1 } : importancePass(base, agents, epsilons, sigma, p);
  };
  const passes: [PassResult, PassResult] = [pass(), pass()];
  const gate = p.ablation === 'gate-always-on' || p.ablation === 'no-is' ? 1 : reliabilityGate(passes[0].correction, passes[1].correction, p.gateScale);
  const correction = (gate * (passes[0].correction + passes[1].correction)) / 2;
  const blend = anchorBlend(passes[0].ess, passes[1].ess, p);
  const gap = p.ablation === 'consensus-only' ? consensus : finalGap(base, consensus, correction, blend);
  return { base, agents, consensus, sigma, passes, gate, correction, blend, gap };
}

/**
 * The authors' code only (BootstrapPriorState in exp24_dpbr_core.py): a running country prior, an EMA
 * (β = 0.1) of the steered gaps, blended in with weight 1 − exp(−(t − 50)/100) after 50 scenarios.
 */
export function runningCountryPrior(): (gap: number) => number {
  let mean = 0;
  let step = 0;
  return (gap) => {
    const weight = step < 50 ? 0 : 1 - Math.exp(-(step - 50) / 100);
    const applied = weight * mean + (1 - weight) * gap;
    mean = 0.9 * mean + 0.1 * gap;
    step++;
    return applied;
  };
}
