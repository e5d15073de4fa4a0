import { describe, expect, it } from 'vitest';
import { demoSets, type LabelledExample } from '../src/program/demo-sets.ts';
import { initialMiproState, miproPlan, miproStep, MIPRO_DEFAULTS, nextFullEvaluation, type MiproIo, type MiproSettings, type MiproState, type MiproTrial } from '../src/program/mipro.ts';
import { PROPOSAL_TIPS, type ProposalRequest } from '../src/program/proposer.ts';
import { gammaOf, logDensity, observationWeights, parzenEstimator, suggest, type CompletedTrial } from '../src/program/tpe.ts';
import { Rng } from '../src/util/seeded-random.ts';
import { conditionMessages, demonstrations, itemsAnsweredAsLabelled, type InstrumentSample } from '../src/instruments/index.ts';
import { MULTITP } from '../src/instruments/multitp/index.ts';
import { preferenceName } from '../src/instruments/multitp/preferences.ts';
import type { Dimension } from '../src/instruments/multitp/source-facts.ts';
import { targetValues } from '../src/targets/index.ts';

describe('MIPROv2 plan (dspy: auto presets and trial counts)', () => {
  const trialsFor = (n: number, variables: number) => Math.floor(Math.max(2 * variables * Math.log2(n), 1.5 * n));

  it('light, medium and heavy: N 6/12/18, instructions N/2 with demos and N zero-shot, trials max(2 v log2 N, 1.5 N)', () => {
    // Worked by hand: light with demos max(4 log2 6 = 10.34, 9) = 10; zero-shot max(5.17, 9) = 9; medium 18; heavy 27.
    expect(miproPlan({ ...MIPRO_DEFAULTS, auto: 'light' }, false, 4)).toMatchObject({ instructionCandidates: 3, demoSetCandidates: 6, trials: 10, minibatch: false });
    expect(miproPlan({ ...MIPRO_DEFAULTS, auto: 'light' }, true, 4)).toMatchObject({ instructionCandidates: 6, demoSetCandidates: 1, trials: 9 });
    expect(miproPlan({ ...MIPRO_DEFAULTS, auto: 'medium' }, false, 4)).toMatchObject({ instructionCandidates: 6, demoSetCandidates: 12, trials: 18 });
    expect(miproPlan({ ...MIPRO_DEFAULTS, auto: 'heavy' }, false, 4)).toMatchObject({ instructionCandidates: 9, demoSetCandidates: 18, trials: 27 });
    // The same from dspy's formula.
    expect([trialsFor(6, 2), trialsFor(6, 1), trialsFor(12, 2), trialsFor(18, 2)]).toEqual([10, 9, 18, 27]);
  });

  it('without auto, the candidates and trials given; minibatches only when the countries outnumber the minibatch', () => {
    const settings: MiproSettings = { ...MIPRO_DEFAULTS, auto: null, candidates: 4, trials: 12, minibatchSize: 3 };
    expect(miproPlan(settings, false, 3)).toMatchObject({ instructionCandidates: 4, demoSetCandidates: 4, trials: 12, minibatch: false, adjustedTrials: 12 });
    // 12 trials, a full evaluation every 5: 12 + 2 + 1 (the default) + 1 (12 mod 5 != 0, one more at the end) = 16.
    expect(miproPlan(settings, false, 4)).toMatchObject({ minibatch: true, adjustedTrials: 16 });
    expect(miproPlan({ ...settings, trials: 10 }, false, 4).adjustedTrials).toBe(13);
  });
});

describe('TPE (Optuna defaults)', () => {
  it('gamma and the trial weights', () => {
    expect([1, 9, 10, 11, 100, 300].map(gammaOf)).toEqual([1, 1, 1, 2, 10, 25]);
    expect(observationWeights(3)).toEqual([1, 1, 1]);
    const w = observationWeights(28);
    // np.linspace(1/28, 1, 3) then 25 ones.
    expect(w.slice(0, 3)).toEqual([1 / 28, 1 / 28 + (1 - 1 / 28) / 2, 1]);
    expect(w.slice(3)).toEqual(new Array(25).fill(1));
  });

  it('the categorical Parzen estimator and its density, worked by hand', () => {
    // Two observations of a 3-choice parameter: prior 1/(2+1) on each choice, +1 on the observed, normalised by 2.
    const estimator = parzenEstimator([[0], [2]], [3]);
    expect(estimator.mixture).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(estimator.kernels[0][0]).toEqual([(1 / 3 + 1) / 2, 1 / 3 / 2, 1 / 3 / 2]);
    expect(estimator.kernels[2][0]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    // p(0) = (2/3 + 1/6 + 1/3) / 3.
    expect(Math.exp(logDensity(estimator, [0]))).toBeCloseTo((2 / 3 + 1 / 6 + 1 / 3) / 3, 14);
  });

  it('draws the start-up trials uniformly, then suggests the point with the largest l(x)/g(x)', () => {
    const sizes = [3, 2];
    const rng = Rng.fromSeed('tpe test');
    const startup = Array.from({ length: 600 }, () => suggest([], sizes, rng));
    const counts = [0, 1, 2].map((k) => startup.filter((p) => p[0] === k).length);
    for (const c of counts) expect(Math.abs(c - 200)).toBeLessThan(60);
    // Eleven trials where (2, 1) is best by far: the below side is that trial (gamma(11) = 2: it and the next best).
    const trials: CompletedTrial[] = [];
    for (let i = 0; i < 11; i++) trials.push({ params: [i % 3, i % 2], value: i % 3 === 2 && i % 2 === 1 ? 0 : 10 + i });
    const below = [...trials].sort((a, b) => a.value - b.value).slice(0, gammaOf(trials.length));
    const above = trials.filter((t) => !below.includes(t));
    const l = parzenEstimator(trials.filter((t) => below.includes(t)).map((t) => t.params), sizes);
    const g = parzenEstimator(above.map((t) => t.params), sizes);
    let best: number[] = [];
    let bestScore = -Infinity;
    for (const a of [0, 1, 2]) for (const b of [0, 1]) {
      const score = logDensity(l, [a, b]) - logDensity(g, [a, b]);
      if (score > bestScore) [best, bestScore] = [[a, b], score];
    }
    expect(suggest(trials, sizes, Rng.fromSeed('after start-up'))).toEqual(best);
  });
});

describe('demo sets (dspy create_n_fewshot_demo_sets)', () => {
  const examples: LabelledExample[] = [
    { country: 'A', item: 'i1', correct: false },
    { country: 'A', item: 'i2', correct: true },
    { country: 'A', item: 'i3', correct: true },
    { country: 'B', item: 'i1', correct: true },
    { country: 'B', item: 'i4', correct: false },
  ];

  it('none, labelled only, bootstrapped in order, then shuffled bootstraps of random size', () => {
    const sets = demoSets(examples, { sets: 8, maxBootstrapped: 2, maxLabelled: 3 }, Rng.fromSeed('demo sets'));
    expect(sets).toHaveLength(8);
    expect(sets[0]).toEqual([]);
    expect(sets[1]).toHaveLength(3);
    // In order: the first two right (A:i2, A:i3), then one labelled from the rest (3 - 2).
    expect(sets[2].slice(0, 2)).toEqual(['i2', 'i3']);
    expect(sets[2]).toHaveLength(3);
    for (const set of sets.slice(3)) {
      expect(set.length).toBeGreaterThanOrEqual(1);
      expect(set.length).toBeLessThanOrEqual(3);
      expect(new Set(set).size).toBe(set.length);
    }
    expect(demoSets([], { sets: 6, maxBootstrapped: 4, maxLabelled: 4 }, Rng.fromSeed(1))).toEqual([[]]);
  });
});

/** A fake search: instruction i costs i, demo set d costs 0.1 d, plus 0.01 per country asked (so minibatches differ from full evaluations). */
function fakeIo(train: string[], requests: ProposalRequest[] = []): MiproIo & { evaluations: { instruction: string; demos: readonly string[]; countries: readonly string[] }[] } {
  let written = 0;
  const evaluations: { instruction: string; demos: readonly string[]; countries: readonly string[] }[] = [];
  return {
    evaluations,
    propose: async (request) => {
      requests.push(request);
      return [`p${++written}`];
    },
    evaluate: async (instruction, demos, countries, capture) => {
      evaluations.push({ instruction, demos, countries });
      const index = instruction === 'orig' ? 0 : Number(instruction.slice(1));
      const loss = index + 0.1 * demos.length + 0.01 * countries.length;
      return { loss, ...(capture && { answeredAsLabelled: Object.fromEntries(countries.map((c) => [c, ['x1']])) }) };
    },
    labelledItems: () => ['x1', 'x2', 'x3'],
    describeDemos: (items) => items.map((i) => `demo ${i}`),
    overflow: () => undefined,
    summary: 'S',
    train,
    budget: 100_000,
  };
}

async function runMipro(settings: MiproSettings, io: MiproIo, zeroShot = false): Promise<MiproState> {
  const plan = miproPlan(settings, zeroShot, io.train.length);
  let state = initialMiproState(3);
  while (!state.stopped) state = await miproStep(state, settings, plan, 'orig', io);
  return state;
}

describe('MIPROv2 steps', () => {
  const countries = Array.from({ length: 8 }, (_, i) => `C${i}`);

  it('full evaluations after trials 6, 12 and the last, of the best untested combination, on every country; minibatches of the size asked', async () => {
    const settings: MiproSettings = { ...MIPRO_DEFAULTS, auto: null, candidates: 3, trials: 12, minibatchSize: 5 };
    const io = fakeIo(countries);
    const state = await runMipro(settings, io);
    expect(state.stopped).toBe('finished');
    expect(state.trials).toHaveLength(16);
    expect(state.trials.filter((t) => t.full).map((t) => t.number + 1)).toEqual([1, 7, 13, 16]);
    expect(state.trials.filter((t) => !t.full)).toHaveLength(12);
    for (const t of state.trials) expect(t.countries).toHaveLength(t.full ? 8 : 5);
    for (const t of state.trials.filter((t) => !t.full)) expect(new Set(t.countries).size).toBe(5);
    // Each full evaluation is of the best mean minibatch combination not yet fully evaluated at that point.
    const fullyEvaluated: string[] = [];
    for (const full of state.trials.filter((t) => t.full && t.number > 0)) {
      const before = state.trials.slice(0, full.number).filter((t) => !t.full);
      const means = new Map<string, number[]>();
      for (const t of before) means.set(`${t.instruction},${t.demos}`, [...(means.get(`${t.instruction},${t.demos}`) ?? []), t.loss]);
      const ranked = [...means].map(([key, losses]) => ({ key, mean: losses.reduce((a, b) => a + b, 0) / losses.length })).sort((a, b) => a.mean - b.mean);
      const expected = ranked.find((r) => !fullyEvaluated.includes(r.key)) ?? ranked[0];
      expect(`${full.instruction},${full.demos}`).toBe(expected.key);
      fullyEvaluated.push(expected.key);
    }
    const bestFull = Math.min(...state.trials.filter((t) => t.full).map((t) => t.loss));
    expect(state.best!.loss).toBe(bestFull);
    // Spend: the default and three full evaluations of 8, twelve minibatches of 5.
    expect(state.spend).toBe(4 * 8 + 12 * 5);
    expect(io.evaluations).toHaveLength(16);
  });

  it('without minibatches every trial is a full evaluation and the best trial wins', async () => {
    const settings: MiproSettings = { ...MIPRO_DEFAULTS, auto: null, candidates: 3, trials: 7 };
    const state = await runMipro(settings, fakeIo(countries.slice(0, 3)));
    expect(state.trials).toHaveLength(8);
    expect(state.trials.every((t) => t.full)).toBe(true);
    expect(state.best!.loss).toBe(Math.min(...state.trials.map((t) => t.loss)));
  });

  it('grounds each proposal in demo set i and a tip, at the initial temperature plus 0.01 to 0.05; the original is instruction 0', async () => {
    const requests: ProposalRequest[] = [];
    const settings: MiproSettings = { ...MIPRO_DEFAULTS, auto: 'light' };
    const state = await runMipro(settings, fakeIo(countries.slice(0, 3), requests));
    expect(state.instructions).toEqual(['orig', 'p1', 'p2']);
    expect(state.demoSets).toHaveLength(6);
    expect(requests).toHaveLength(2);
    requests.forEach((r, i) => {
      expect(r.kind).toBe('grounded');
      if (r.kind !== 'grounded') return;
      expect(r.demos).toEqual(state.demoSets[i + 1].map((item) => `demo ${item}`));
      expect(PROPOSAL_TIPS).toContain(r.tip);
      expect(r.temperature).toBeGreaterThanOrEqual(0.51);
      expect(r.temperature).toBeLessThan(0.55);
      expect(r.instruction).toBe('orig');
    });
    // The default's bootstrap: every country answered x1 right, so set 2 starts with it.
    expect(state.demoSets[2][0]).toBe('x1');
    expect(state.trials).toHaveLength(1 + 10);
  });

  it('leaves out of the pool a proposal too long for the model with some demo set, and a demo set too long with the original', async () => {
    const io = { ...fakeIo(countries.slice(0, 3)), overflow: (instruction: string, demos: readonly string[]) => (instruction === 'p1' || demos.length > 2 ? 'too long' : undefined) };
    const settings: MiproSettings = { ...MIPRO_DEFAULTS, auto: null, candidates: 4, trials: 3, maxBootstrapped: 3, maxLabelled: 3 };
    const state = await runMipro(settings, io);
    expect(state.instructions).toEqual(['orig', 'p2', 'p3']);
    expect(state.setAside).toEqual([{ instruction: 'p1', reason: 'too long' }]);
    expect(state.proposals).toBe(3);
    expect(state.demoSets.every((set) => set.length <= 2)).toBe(true);
  });

  it('zero-shot: one empty demo set, N instructions', async () => {
    const state = await runMipro({ ...MIPRO_DEFAULTS, auto: 'light' }, fakeIo(countries.slice(0, 2)), true);
    expect(state.demoSets).toEqual([[]]);
    expect(state.instructions).toHaveLength(6);
    expect(state.trials.every((t) => t.demos === 0)).toBe(true);
  });

  it('stops before an evaluation past the budget', async () => {
    const io = { ...fakeIo(countries.slice(0, 3)), budget: 7 };
    const state = await runMipro({ ...MIPRO_DEFAULTS, auto: null, candidates: 2, trials: 5 }, io);
    expect(state.stopped).toBe('budget');
    expect(state.spend).toBe(6);
  });

  it('nextFullEvaluation: the lowest mean not yet fully evaluated, else the lowest of all', () => {
    const t = (instruction: number, demos: number, loss: number): MiproTrial => ({ number: 0, instruction, demos, loss, full: false, countries: [] });
    const trials = [t(0, 0, 3), t(1, 0, 1), t(1, 0, 5), t(2, 1, 2)];
    expect(nextFullEvaluation(trials, [])).toEqual({ instruction: 2, demos: 1 });
    expect(nextFullEvaluation(trials, ['2,1'])).toEqual({ instruction: 0, demos: 0 });
    expect(nextFullEvaluation(trials, ['2,1', '0,0', '1,0'])).toEqual({ instruction: 2, demos: 1 });
  });
});

describe('demonstrations', () => {
  it('go before the question as user and assistant turns, the sentence opening the first, never showing the item asked', () => {
    const demos = [
      { item: 'a', question: 'Qa?', answer: 'A' },
      { item: 'b', question: 'Qb?', answer: 'B' },
    ];
    const conditioning = { text: { place: 'Peru', style: 'user' as const, template: 'Answer as in {country}.' }, demos };
    expect(conditionMessages([{ role: 'user', content: 'Qc?' }], conditioning, 'c')).toEqual([
      { role: 'user', content: 'Answer as in Peru.\n\nQa?' },
      { role: 'assistant', content: 'A' },
      { role: 'user', content: 'Qb?' },
      { role: 'assistant', content: 'B' },
      { role: 'user', content: 'Qc?' },
    ]);
    expect(conditionMessages([{ role: 'user', content: 'Qa?' }], conditioning, 'a')).toEqual([
      { role: 'user', content: 'Answer as in Peru.\n\nQb?' },
      { role: 'assistant', content: 'B' },
      { role: 'user', content: 'Qa?' },
    ]);
  });

  it("MultiTP's labels are the side the country's preference favours, and a demonstration answers with that side's letter", () => {
    const spec = { instrument: MULTITP, settings: MULTITP.settings({ dilemmas: '1' }) };
    const target = MULTITP.target({ country: 'Japan' });
    const human = targetValues(target);
    const labels = MULTITP.labels!(spec.settings, target);
    const questions = MULTITP.questions(spec.settings, target);
    const items = [...new Set(questions.map((q) => q.itemId))];
    expect(Object.keys(labels).sort()).toEqual(items.filter((item) => human[preferenceName(item.split(' ')[0] as Dimension)] !== 0.5).sort());
    for (const item of Object.keys(labels)) expect(labels[item]).toBe(human[preferenceName(item.split(' ')[0] as Dimension)] > 0.5 ? 1 : 0);
    const [demo] = demonstrations(spec, target, [items[0]]);
    const first = questions.find((q) => q.itemId === items[0])!;
    expect(demo.question).toBe(first.messages[0].content);
    // The letter of the option whose value (1: the preferred group spared) is the label.
    expect(demo.answer).toBe(first.answerKeys[first.answerValues.indexOf(labels[items[0]])]);
  });

  it('an item counts as answered as labelled when its label holds the most probability over its phrasings', () => {
    const sample = (item: string, optionValues: number[], probabilities: number[]): InstrumentSample => ({
      item, variant: 'v', prompt: '', options: ['A', 'B'], optionValues, loglikelihoods: probabilities.map(Math.log), chosen: 'A', expected: 0,
    });
    const samples = [
      // x: value 1 gets 0.6 + 0.3 = 0.9 against 0.4 + 0.7 = 1.1: value 0 wins, the label 1 loses.
      sample('x', [1, 0], [0.6, 0.4]), sample('x', [0, 1], [0.7, 0.3]),
      // y: value 1 gets 0.8 + 0.6 against 0.2 + 0.4.
      sample('y', [1, 0], [0.8, 0.2]), sample('y', [0, 1], [0.4, 0.6]),
      // z: a tie is not an answer.
      sample('z', [1, 0], [0.5, 0.5]),
      sample('unlabelled', [1, 0], [0.9, 0.1]),
    ];
    expect(itemsAnsweredAsLabelled(samples, { x: 1, y: 1, z: 1 })).toEqual(['y']);
    expect(itemsAnsweredAsLabelled(samples, { x: 0 })).toEqual(['x']);
  });
});
