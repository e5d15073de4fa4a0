import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PARAMETERS,
  LOGIT_TEMPERATURES,
  WVS_COLUMNS,
  anchorBlend,
  candidateUtility,
  debiasedGap,
  effectiveSampleRatio,
  finalGap,
  importancePass,
  oracleShrinkage,
  prepareDisca,
  prospectValue,
  readPersonaPanel,
  readWvsProfiles,
  reliabilityGate,
  softmaxWeights,
  sparingProbability,
  steer,
  wvsPanel,
  type DiscaParameters,
} from '../src/instruments/multitp/disca/index.ts';
import type { TextTokenizer } from '../src/model/types.ts';
import { UserError } from '../src/util/errors.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';

const P = DEFAULT_PARAMETERS;
// The paper's constants, written out here rather than read from the module.
const ALPHA = 0.88;
const KAPPA = 2.25;
const v = (z: number) => (z >= 0 ? Math.pow(z, ALPHA) : -KAPPA * Math.pow(-z, ALPHA));
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('DISCA estimator: each step against its formula (arXiv 2605.10843, §3)', () => {
  it('debiasing removes an additive position bias: (δ_orig − δ_swap)/2', () => {
    const [truth, bias] = [0.8, -1.7];
    expect(debiasedGap(truth + bias, -truth + bias)).toBeCloseTo(truth, 12);
  });

  it('the value function is concave for gains and κ times steeper for losses', () => {
    for (const z of [0, 0.25, 1, 3.5]) {
      expect(prospectValue(z, P.alpha, P.kappa)).toBeCloseTo(Math.pow(z, ALPHA), 12);
      expect(prospectValue(-z, P.alpha, P.kappa)).toBeCloseTo(-KAPPA * prospectValue(z, P.alpha, P.kappa), 12);
    }
    expect(P.alpha).toBe(ALPHA);
    expect(P.kappa).toBe(KAPPA);
    expect([P.lambda, P.eta, P.samples, P.rho, P.gateScale, P.sigmaFloor, P.decisionTemperature]).toEqual([0.7, 0.5, 64, 0.1, 0.04, 0.3, 0.5]);
  });

  it('a candidate utility mixes the cohorts\' mean value and the consensus value by λ', () => {
    const [base, agents, eps, sigma] = [-0.4, [0.2, 1.0, -0.1, 0.5], 0.35, 0.3];
    const consensus = mean(agents);
    const candidate = consensus + eps;
    const cohorts = mean(agents.map((d) => v((Math.abs(base - d) - Math.abs(candidate - d)) / sigma)));
    const collective = v((Math.abs(base - consensus) - Math.abs(candidate - consensus)) / sigma);
    expect(candidateUtility(base, agents, eps, sigma, P)).toBeCloseTo(0.3 * cohorts + 0.7 * collective, 12);
  });

  it('weights are the softmax of U/η and the ESS ratio is (1/Σw²)/K', () => {
    const utilities = [0.1, -2, 1.3];
    const raw = utilities.map((u) => Math.exp(u / 0.5));
    const weights = softmaxWeights(utilities, 0.5);
    raw.forEach((r, k) => expect(weights[k]).toBeCloseTo(r / (raw[0] + raw[1] + raw[2]), 12));
    expect(effectiveSampleRatio([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(1, 12);
    expect(effectiveSampleRatio([1, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(effectiveSampleRatio([0.5, 0.5, 0, 0])).toBeCloseTo(0.5, 12);
  });

  it('the ESS guard returns no correction when the weights collapse, the weighted mean otherwise', () => {
    const agents = [1, 1.2, 0.9, 1.1];
    const sigma = 0.3;
    // One candidate on the consensus, the rest far off: the softmax piles onto one draw.
    const collapsed = [0, ...Array.from({ length: 19 }, (_, k) => (k % 2 ? 1 : -1) * (3 + k))];
    const spread = [-0.1, 0.05, 0.12, -0.02];
    for (const epsilons of [collapsed, spread]) {
      const w = softmaxWeights(epsilons.map((e) => candidateUtility(0, agents, e, sigma, P)), 0.5);
      const ess = 1 / w.reduce((s, x) => s + x * x, 0) / w.length;
      const pass = importancePass(0, agents, epsilons, sigma, P);
      expect(pass.ess).toBeCloseTo(ess, 12);
      expect(pass.correction).toBeCloseTo(ess > 0.1 ? w.reduce((s, x, k) => s + x * epsilons[k], 0) : 0, 12);
    }
    expect(importancePass(0, agents, collapsed, sigma, P).correction).toBe(0);
    expect(importancePass(0, agents, spread, sigma, P).correction).not.toBe(0);
  });

  it('the gate is exp(−(δ₁ − δ₂)²/s) and the anchor blend follows the paper (or the code)', () => {
    expect(reliabilityGate(0.3, 0.1, 0.04)).toBeCloseTo(Math.exp(-1), 12);
    expect(reliabilityGate(0.2, 0.2, 0.04)).toBe(1);
    expect(anchorBlend(0.5, 0.3, P)).toBe(1);
    expect(anchorBlend(0.02, 0.04, P)).toBeCloseTo(0.03 / 0.1, 12);
    const code: DiscaParameters = { ...P, variant: 'code' };
    expect(anchorBlend(0.5, 0.3, code)).toBeCloseTo(0.3, 12);
    expect(anchorBlend(0.02, 0.04, code)).toBeCloseTo(0.1, 12);
    expect(finalGap(-1, 2, 0.25, 0.75)).toBeCloseTo(0.75 * 2 + 0.25 * -1 + 0.25, 12);
    expect(sparingProbability(0.3, 0.5)).toBeCloseTo(1 / (1 + Math.exp(-0.6)), 12);
  });

  it('one dilemma steered end to end equals the algorithm worked out here, and each ablation does what the paper says', () => {
    const base = -0.6;
    const panel = [0.4, 0.9, 0.1, 0.7];
    const draws = (seed: number) => {
      let k = seed;
      return () => Math.sin(++k * 12.9898) * 1.3; // a fixed sequence, not a distribution: the steps only need the numbers
    };
    // Algorithm 1, written out: σ = max(sd, 0.3), two passes of 64, guard, gate, blend.
    const consensus = mean(panel);
    const sd = Math.sqrt(panel.reduce((s, d) => s + (d - consensus) ** 2, 0) / 3);
    const sigma = Math.max(sd, 0.3);
    const next = draws(7);
    const runPass = () => {
      const eps = Array.from({ length: 64 }, () => next() * sigma);
      const u = eps.map((e) => {
        const c = consensus + e;
        return 0.3 * mean(panel.map((d) => v((Math.abs(base - d) - Math.abs(c - d)) / sigma))) + 0.7 * v((Math.abs(base - consensus) - Math.abs(c - consensus)) / sigma);
      });
      const top = Math.max(...u);
      const w = u.map((x) => Math.exp((x - top) / 0.5));
      const total = w.reduce((s, x) => s + x, 0);
      const wn = w.map((x) => x / total);
      const ess = 1 / wn.reduce((s, x) => s + x * x, 0) / 64;
      return { d: ess > 0.1 ? wn.reduce((s, x, k) => s + x * eps[k], 0) : 0, ess };
    };
    const [one, two] = [runPass(), runPass()];
    const r = Math.exp(-((one.d - two.d) ** 2) / 0.04);
    const blend = Math.min(1, (one.ess + two.ess) / 2 / 0.1);
    const expected = blend * consensus + (1 - blend) * base + (r * (one.d + two.d)) / 2;
    const step = steer(base, panel, draws(7), P);
    expect(step.sigma).toBeCloseTo(sigma, 12);
    expect(step.gate).toBeCloseTo(r, 12);
    expect(step.gap).toBeCloseTo(expected, 12);

    const noIs = steer(base, panel, draws(7), { ...P, ablation: 'no-is' });
    expect(noIs.gap).toBeCloseTo(consensus, 12);
    const noPersona = steer(base, panel, draws(7), { ...P, ablation: 'no-persona' });
    expect(noPersona.consensus).toBe(base);
    expect(noPersona.sigma).toBe(0.3);
    const alwaysOn = steer(base, panel, draws(7), { ...P, ablation: 'gate-always-on' });
    expect(alwaysOn.gate).toBe(1);
    expect(alwaysOn.correction).toBeCloseTo((alwaysOn.passes[0].correction + alwaysOn.passes[1].correction) / 2, 12);
    // The reviewers' control: the panel's mean gap alone, no base gap, no correction.
    const consensusOnly = steer(base, panel, draws(7), { ...P, ablation: 'consensus-only' });
    expect(consensusOnly.gap).toBeCloseTo(panel.reduce((s, d) => s + d, 0) / panel.length, 12);
  });

  it("Proposition 1's shrinkage γ* = Δ²/(Δ² + τ²/N) is the MSE-optimal scale and falls as the panel disagrees", () => {
    expect(oracleShrinkage(1, 2, 4)).toBeCloseTo(1 / (1 + 0.5), 12);
    expect(oracleShrinkage(1, 4, 4)).toBeLessThan(oracleShrinkage(1, 2, 4));
    // MSE(γ) = (γ − 1)²Δ² + γ²τ²/N for an unbiased consensus of variance τ²/N: its minimum lies at γ*.
    const [delta, tau2, n] = [0.7, 1.3, 4];
    const mse = (g: number) => (g - 1) ** 2 * delta ** 2 + (g * g * tau2) / n;
    const best = oracleShrinkage(delta, tau2, n);
    for (const g of [best - 0.01, best + 0.01, 0, 1]) expect(mse(g)).toBeGreaterThan(mse(best));
  });
});

/** A tokenizer whose prompt is the messages joined and whose answers are one token each: enough for the request builder. */
const fakeTokenizer: TextTokenizer = {
  encode: (text) => Array.from(text, (c) => c.charCodeAt(0)),
  decode: (ids) => String.fromCharCode(...ids),
  applyChatTemplate: (messages) => messages.map((m) => `${m.role}: ${m.content}\n`).join(''),
  continuationIds: (_prompt, continuation) => [continuation.trim().charCodeAt(0)],
  vocabSize: 256,
};

describe('DISCA on MultiTP questions', () => {
  it('reads each dilemma as the preferred group\'s debiased gap over T_cat, one request per member and question', () => {
    const panel = ['persona one', 'persona two'];
    const prepared = prepareDisca(fakeTokenizer, { dilemmas: 1 }, undefined, panel, { ...P, ablation: 'no-is' }, 0);
    const q = prepared.questions.length;
    expect(prepared.requests).toHaveLength(3 * q);
    expect(prepared.members).toBe(3);
    // Member m, question i: log-probs with a position bias toward A of 0.5 and a member-specific lean toward the preferred group.
    const lean = [0.2, 1.0, -0.4];
    const logprobs = Array.from({ length: 3 * q }, (_, r) => {
      const [m, i] = [Math.floor(r / q), r % q];
      const preferredIsA = prepared.questions[i].answerValues[0] === 1;
      const a = 0.5 + (preferredIsA ? lean[m] : 0);
      const b = preferredIsA ? 0 : lean[m];
      return [a - 3, b - 3];
    });
    const reading = prepared.read(logprobs);
    for (const [dimension, temperature] of Object.entries(LOGIT_TEMPERATURES)) {
      // No IS: the gap is the panel's consensus; debiasing cancels the 0.5 toward A.
      const consensus = (lean[1] + lean[2]) / 2 / temperature;
      const name = Object.keys(reading.scores).find((n) => n.startsWith(`${dimension}_`))!;
      expect(reading.scores[name]).toBeCloseTo(1 / (1 + Math.exp(-consensus / 0.5)), 12);
    }
  });
});

/** A synthetic WVS Wave 7 file in the official layout: two countries, respondents of every cohort, a don't-know code. */
function writeWvs(file: string): { rows: Record<string, number | string>[] } {
  const header = ['A_YEAR', ...WVS_COLUMNS];
  const rows: Record<string, number | string>[] = [];
  const ages = [22, 30, 41, 50, 63, 77, -2];
  ages.forEach((age, r) => {
    for (const country of ['USA', 'DEU']) {
      const row: Record<string, number | string> = { A_YEAR: 2018, B_COUNTRY_ALPHA: country, Q262: age };
      for (const column of WVS_COLUMNS.slice(2)) row[column] = 1 + ((r + column.length + (country === 'DEU' ? 1 : 0)) % 2);
      row.Q6 = r === 0 ? -1 : 1 + (r % 4); // a don't-know code, then 2, 3, 4, 1, ...
      rows.push(row);
    }
  });
  fs.writeFileSync(file, [header.join(','), ...rows.map((row) => header.map((h) => row[h]).join(','))].join('\n'));
  return { rows };
}

describe('DISCA persona panels: from a WVS Wave 7 file or a JSON file', () => {
  let work: string;
  beforeAll(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-disca-'))));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('pools each cohort\'s valid answers per dimension and writes four personas from quartile cuts', () => {
    const file = path.join(work, 'wvs.csv');
    const { rows } = writeWvs(file);
    const usa = rows.filter((r) => r.B_COUNTRY_ALPHA === 'USA');
    const cohort = (age: number) => (age <= 0 ? undefined : age < 36 ? 'young' : age <= 55 ? 'middle' : 'older');
    const profiles = readWvsProfiles(file, 'USA');
    for (const c of ['young', 'middle', 'older', 'all'] as const) {
      const members = usa.filter((r) => c === 'all' || cohort(Number(r.Q262)) === c);
      const religion = members.map((r) => Number(r.Q6)).filter((x) => x >= 1 && x <= 4);
      expect(profiles[c].religiosity).toBeCloseTo(mean(religion), 12);
      const moral = members.flatMap((r) => ['Q182', 'Q184', 'Q185'].map((q) => Number(r[q])));
      expect(profiles[c].moralAcceptability).toBeCloseTo(mean(moral), 12);
    }
    const panel = wvsPanel(file, 'USA', 'the United States');
    expect(panel).toHaveLength(4);
    expect(panel[0]).toMatch(/^You are a young adult from the United States/);
    expect(panel[3]).toMatch(/^You are an adult from the United States\./);
    // Religiosity runs 1 (very important) .. 4: score 1 − (mean − 1)/3, then the quartile's descriptor.
    const score = 1 - (profiles.all.religiosity! - 1) / 3;
    const descriptor = ['central to your life', 'fairly important to you', 'of little importance to you', 'not important to you at all'][score >= 0.75 ? 0 : score >= 0.5 ? 1 : score >= 0.25 ? 2 : 3];
    expect(panel[3]).toContain(`Religion is ${descriptor}.`);
  });

  it('refuses a bad WVS file with one line naming the file, the line or column, and what is wrong', () => {
    const missing = path.join(work, 'missing.csv');
    fs.writeFileSync(missing, 'B_COUNTRY_ALPHA,Q262\nUSA,30\n');
    expect(() => readWvsProfiles(missing, 'USA')).toThrow(new RegExp(`--wvs ${missing}: line 1 lacks the WVS Wave 7 columns Q6, Q15, Q17`));
    const bad = path.join(work, 'bad.csv');
    writeWvs(bad);
    const lines = fs.readFileSync(bad, 'utf8').split('\n');
    lines[3] = lines[3].replace(/,USA,(\S+?),/, ',USA,thirty,');
    fs.writeFileSync(bad, lines.join('\n'));
    expect(() => readWvsProfiles(bad, 'USA')).toThrow(/line 4, column Q262: "thirty" is not a number/);
    expect(() => readWvsProfiles(path.join(work, 'wvs.csv'), 'JPN')).toThrow(/no respondent has B_COUNTRY_ALPHA JPN/);
    for (const error of [() => readWvsProfiles(missing, 'USA'), () => readWvsProfiles(bad, 'USA')]) expect(error).toThrow(UserError);
  });

  it('reads a JSON panel by the country\'s code or name and refuses a bad one clearly', () => {
    const file = path.join(work, 'personas.json');
    fs.writeFileSync(file, JSON.stringify({ usa: ['a', 'b'], DEU: ['c', 7] }));
    expect(readPersonaPanel(file, ['USA', 'United States'])).toEqual(['a', 'b']);
    expect(() => readPersonaPanel(file, ['DEU'])).toThrow(/key "DEU", entry 1: expected a non-empty string/);
    expect(() => readPersonaPanel(file, ['JPN', 'Japan'])).toThrow(/no key for JPN \/ Japan/);
    fs.writeFileSync(file, '{"USA": [');
    expect(() => readPersonaPanel(file, ['USA'])).toThrow(new RegExp(`--personas ${file}: .*expected JSON`));
  });
});

describe('cultune survey --condition disca on the tiny model', () => {
  const MODEL = path.join(FIXTURES, 'llama-f32');
  const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };
  let work: string;
  beforeAll(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-disca-cli-'))));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('prints the steered preferences beside the human ones, the misalignment, the vignettes and what DISCA cost', () => {
    const wvs = path.join(work, 'wvs.csv');
    writeWvs(wvs);
    const common = ['survey', '--instrument', 'multitp', '--country', 'USA', '--model', MODEL, '--device', 'cpu', '--dilemmas', '2', '--json'];
    const out = runCli([...common, '--condition', 'disca', '--wvs', wvs], { env });
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.details.asked).toBe(24);
    expect(report.disca.requests).toBe(5 * 24);
    expect(report.conditioning.disca.personas).toHaveLength(4);
    const human = report.details.human as Record<string, number>;
    expect(Object.keys(human)).toHaveLength(6);
    const distance = Math.sqrt(Object.keys(human).reduce((s, n) => s + (report.scores[n] - human[n]) ** 2, 0));
    expect(report.loss.value).toBeCloseTo(distance, 12);
    // The base requests are the plain survey's: its preferences come back unsteered beside DISCA's.
    const plain = JSON.parse(runCli(common, { env }).stdout);
    for (const [name, value] of Object.entries(plain.scores as Record<string, number>)) expect(report.disca.base[name]).toBeCloseTo(value, 5);
  });

  it('refuses DISCA without a panel, or with both panels, in one line', () => {
    const common = ['survey', '--instrument', 'multitp', '--country', 'USA', '--model', 'no-such-model', '--condition', 'disca'];
    const none = runCli(common, { env });
    expect(none.code).not.toBe(0);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/exactly one of --personas FILE .* or --wvs FILE/);
    const other = runCli(['survey', '--instrument', 'vsm13', '--country', 'USA', '--model', 'x', '--condition', 'disca', '--personas', 'p.json'], { env });
    expect(other.stderr).toMatch(/--instrument multitp/);
    const own = runCli([...common, '--personas', 'p.json', '--disca-panel-from', 'United States'], { env });
    expect(own.stderr.trim()).toBe('cultune: --disca-panel-from United States is the country asked about; the control needs another country\'s panel');
  });

  it("the mismatched-panel control asks with another country's personas and records which", () => {
    const personas = path.join(work, 'panels.json');
    const panels = { USA: ['An American in their twenties.', 'An American aged 40.'], JPN: ['A Japanese person in their twenties.', 'A Japanese person aged 40.'] };
    fs.writeFileSync(personas, JSON.stringify(panels));
    const common = ['survey', '--instrument', 'multitp', '--country', 'USA', '--model', MODEL, '--device', 'cpu', '--dilemmas', '2', '--json', '--condition', 'disca', '--personas', personas];
    const own = JSON.parse(runCli(common, { env }).stdout);
    const mismatched = runCli([...common, '--disca-panel-from', 'Japan'], { env });
    expect(mismatched.code, mismatched.stderr).toBe(0);
    const report = JSON.parse(mismatched.stdout);
    expect(own.conditioning.disca.personas).toEqual(panels.USA);
    expect(report.conditioning.disca.personas).toEqual(panels.JPN);
    expect(report.conditioning.disca.panelFrom).toBe('Japan');
    // Same human reference (the country asked about), other personas: other steered preferences.
    expect(report.details.human).toEqual(own.details.human);
    expect(report.scores).not.toEqual(own.scores);
  });
});
