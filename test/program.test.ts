import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coproStep, initialCoproState, type CoproIo, type CoproSettings, type CoproState } from '../src/program/copro.ts';
import { PROPOSAL_TIPS, type ProposalRequest } from '../src/program/proposer.ts';
import { endpointProposer } from '../src/program/proposers/endpoint.ts';
import { fileProposer } from '../src/program/proposers/file.ts';
import { fittedRequest } from '../src/program/proposers/self.ts';
import { MIPRO_DEFAULTS, miproPlan, type MiproState } from '../src/program/mipro.ts';
import { PROGRAM_FILE, runProgram, type ProgramDefinition, type ProgramRecord } from '../src/program/run.ts';
import { startChatServer } from './helpers/chat-server.ts';
import { cultune } from './helpers/in-process.ts';
import { FIXTURES } from './helpers/paths.ts';
import { tempDirs } from './helpers/temp-dirs.ts';
import { readSettings } from '../src/util/settings.ts';

const tempDir = tempDirs('program');

/** A loss the test knows for any instruction: the number in it (so "p7" scores 7). */
const lossOf = (instruction: string) => Number(/\d+/.exec(instruction)?.[0] ?? 100);

/** Runs COPRO to its end with a proposer that writes p<n> for n = 1, 2, … and records every request. */
async function runCopro(settings: CoproSettings, budget = 1000) {
  const requests: ProposalRequest[] = [];
  let written = 0;
  const io: CoproIo = {
    propose: async (request) => {
      requests.push(request);
      return Array.from({ length: request.count }, () => `p${++written}`);
    },
    evaluate: async (instruction) => ({ loss: lossOf(instruction), losses: { A: lossOf(instruction) } }),
    costPerCandidate: 2,
    budget,
    overflow: () => undefined,
  };
  let state: CoproState = initialCoproState();
  while (!state.stopped) state = await coproStep(state, settings, 'orig', io);
  return { state, requests };
}

describe('COPRO', () => {
  it('evaluates breadth candidates per round, the original kept in round 0, and proposes before every round but after the last', async () => {
    const { state, requests } = await runCopro({ breadth: 4, depth: 3, initTemperature: 1.4 });
    const perDepth = [0, 1, 2].map((d) => state.evaluated.filter((c) => c.depth === d).map((c) => c.instruction));
    expect(perDepth[0]).toEqual(['orig', 'p1', 'p2', 'p3']);
    expect(perDepth[1]).toEqual(['p4', 'p5', 'p6', 'p7']);
    expect(perDepth[2]).toEqual(['p8', 'p9', 'p10', 'p11']);
    expect(requests.map((r) => [r.kind, r.count, r.temperature])).toEqual([['initial', 3, 1.4], ['attempts', 4, 1.4], ['attempts', 4, 1.4]]);
    expect(state.spend).toBe(12 * 2);
    expect(state.stopped).toBe('finished');
  });

  it('shows the best min(breadth, evaluated) worst to best', async () => {
    const { requests } = await runCopro({ breadth: 3, depth: 3, initTemperature: 1 });
    // Round 0: orig (100), p1, p2 -> best three worst to best: orig, p2, p1. Round 1 adds p3, p4, p5 (losses 3..5):
    // the best three of {100, 1, 2, 3, 4, 5} are 1, 2, 3, shown 3, 2, 1.
    expect(requests[1]).toMatchObject({ kind: 'attempts', attempts: [{ instruction: 'orig', loss: 100 }, { instruction: 'p2', loss: 2 }, { instruction: 'p1', loss: 1 }] });
    expect(requests[2]).toMatchObject({ kind: 'attempts', attempts: [{ instruction: 'p3', loss: 3 }, { instruction: 'p2', loss: 2 }, { instruction: 'p1', loss: 1 }] });
  });

  it('drops duplicates and stops before a candidate past the budget', async () => {
    const io: CoproIo = { propose: async () => ['orig', 'a1', 'a1', ''], evaluate: async (i) => ({ loss: i.length, losses: {} }), costPerCandidate: 3, budget: 5, overflow: () => undefined };
    let state = await coproStep(initialCoproState(), { breadth: 5, depth: 2, initTemperature: 1 }, 'orig', io);
    expect(state.pending).toEqual(['orig', 'a1']);
    while (!state.stopped) state = await coproStep(state, { breadth: 5, depth: 2, initTemperature: 1 }, 'orig', io);
    expect(state).toMatchObject({ stopped: 'budget', spend: 3, evaluated: [{ instruction: 'orig' }] });
  });
});

describe('instructions too long for the model', () => {
  it('COPRO sets a candidate aside with its reason, at no cost, and goes on', async () => {
    const io: CoproIo = {
      propose: async (r) => (r.kind === 'initial' ? ['short', 'x'.repeat(40), 'fine'] : []),
      evaluate: async (i) => ({ loss: i.length, losses: {} }),
      costPerCandidate: 2,
      budget: 100,
      overflow: (i) => (i.length > 30 ? `needs ${i.length} positions` : undefined),
    };
    let state = initialCoproState();
    while (!state.stopped) state = await coproStep(state, { breadth: 4, depth: 1, initTemperature: 1 }, 'orig', io);
    expect(state.evaluated.map((c) => c.instruction)).toEqual(['orig', 'short', 'fine']);
    expect(state.setAside).toEqual([{ instruction: 'x'.repeat(40), reason: 'needs 40 positions' }]);
    expect(state.spend).toBe(3 * 2);
  });
});

describe('proposers', () => {
  it('a file gives its next unused lines, and a restored state continues it', async () => {
    const file = path.join(tempDir(), 'seeds.txt');
    fs.writeFileSync(file, 'one {country}\n\ntwo {country}\nthree {country}\n');
    const request = { kind: 'initial', instruction: 'x', count: 2, temperature: 1 } as const;
    const proposer = fileProposer(file, undefined);
    expect(await proposer.propose(request)).toEqual(['one {country}', 'two {country}']);
    const resumed = fileProposer(file, proposer.state());
    expect(await resumed.propose(request)).toEqual(['three {country}']);
    expect(await resumed.propose(request)).toEqual([]);
  });

  it('an endpoint is sent the COPRO chat with the key, one request per instruction, and its first lines are kept', async () => {
    const server = await startChatServer((call) => `"Answer as a person from {country} would (${call})."\nextra line`);
    try {
      const { proposerKey } = readSettings({ CULTUNE_PROPOSER_KEY: 'k-123' });
      const proposer = endpointProposer({ url: server.url, model: 'm', timeoutMs: 5000, task: 'T', key: proposerKey }, undefined);
      const attempts = [{ instruction: 'worse {country}', loss: 2.5 }, { instruction: 'better {country}', loss: 1.25 }];
      const got = await proposer.propose({ kind: 'attempts', attempts, count: 2, temperature: 1.4 });
      expect(got).toEqual(['Answer as a person from {country} would (0).', 'Answer as a person from {country} would (1).']);
      expect(server.requests).toHaveLength(2);
      const [first] = server.requests;
      expect(first.path).toBe('/v1/chat/completions');
      expect(first.authorization).toBe('Bearer k-123');
      expect(first.body.model).toBe('m');
      expect(first.body.temperature).toBe(1.4);
      const user = first.body.messages.find((m) => m.role === 'user')!.content;
      expect(user.endsWith('Instruction #1: worse {country}\nResulting loss #1: 2.5000\nInstruction #2: better {country}\nResulting loss #2: 1.2500\n\nProposed instruction:')).toBe(true);
      expect(proposer.state()).toEqual({ kind: 'url', calls: 2 });
    } finally {
      await server.close();
    }
  });

  it("an endpoint is sent MIPROv2's grounded chat: summary, task, demonstrations, basic instruction and tip", async () => {
    const server = await startChatServer(() => 'Speak as people of {country} speak.');
    try {
      const proposer = endpointProposer({ url: server.url, model: 'm', timeoutMs: 5000, task: 'T' }, undefined);
      const got = await proposer.propose({ kind: 'grounded', instruction: 'orig {country}', summary: 'S', demos: ['Q1\nAnswer (Peru): A'], tip: PROPOSAL_TIPS[2], count: 1, temperature: 0.53 });
      expect(got).toEqual(['Speak as people of {country} speak.']);
      const [request] = server.requests;
      expect(request.body.temperature).toBe(0.53);
      const user = request.body.messages.find((m) => m.role === 'user')!.content;
      const lines = user.split('\n');
      expect(lines.slice(0, 7)).toEqual(['Dataset summary: S', 'Task: T', 'Task demos:', 'Q1', 'Answer (Peru): A', 'Basic instruction: orig {country}', `Tip: ${PROPOSAL_TIPS[2]}`]);
      expect(lines[7]).toContain('keep the slot {country}');
      expect(lines.slice(8)).toEqual(['', 'Proposed instruction:']);
      // The empty tip (dspy's "none") adds no line.
      await proposer.propose({ kind: 'grounded', instruction: 'orig {country}', summary: 'S', demos: [], tip: PROPOSAL_TIPS[0], count: 1, temperature: 0.5 });
      expect(server.requests[1].body.messages.find((m) => m.role === 'user')!.content).not.toMatch(/Tip:|Task demos:/);
    } finally {
      await server.close();
    }
  });

  it("the model as proposer shortens a chat past its context: COPRO's worst attempts, then MIPROv2's last demonstrations", () => {
    const attempts = [{ instruction: 'worst', loss: 3 }, { instruction: 'middle', loss: 2 }, { instruction: 'best', loss: 1 }];
    const size = (r: ProposalRequest) => (r.kind === 'attempts' ? r.attempts.length : r.kind === 'grounded' ? r.demos.length : 99);
    expect(fittedRequest({ kind: 'attempts', attempts, count: 2, temperature: 1 }, (r) => size(r) <= 2)).toMatchObject({ attempts: attempts.slice(1) });
    expect(fittedRequest({ kind: 'grounded', instruction: 'o', summary: 'S', demos: ['a', 'b', 'c'], tip: '', count: 1, temperature: 1 }, (r) => size(r) <= 1)).toMatchObject({ demos: ['a'] });
    expect(fittedRequest({ kind: 'attempts', attempts, count: 2, temperature: 1 }, () => false)).toBeUndefined();
    expect(fittedRequest({ kind: 'initial', instruction: 'o', count: 1, temperature: 1 }, () => false)).toBeUndefined();
  });

  it('a dead endpoint is one clear line', async () => {
    const server = await startChatServer(() => '');
    const url = server.url;
    await server.close();
    const proposer = endpointProposer({ url, model: 'm', timeoutMs: 2000, task: 'T' }, undefined);
    const error = await proposer.propose({ kind: 'initial', instruction: 'x', count: 1, temperature: 1 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('UserError');
    expect((error as Error).message).toMatch(/did not answer .*--proposer-url/);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('program runs', () => {
  const definition = (file: string): ProgramDefinition => ({
    instrument: { name: 'iw-map', settings: {} },
    model: 'hash',
    countries: ['A', 'B', 'C'],
    train: ['A', 'B'],
    heldOut: ['C'],
    seed: 1,
    optimizer: 'copro',
    settings: { breadth: 3, depth: 2, initTemperature: 1.4 },
    original: 'orig {country}',
    proposer: `file ${file}`,
    budget: 100,
  });
  // Per-country losses from the instruction's length and the country letter: a fixed function the test can recompute.
  const loss = (instruction: string, country: string) => (instruction.length * 7 + country.charCodeAt(0)) % 13;

  async function run(dir: string, file: string, crashAt?: number, stored?: ProgramRecord) {
    let calls = 0;
    return runProgram(dir, definition(file), {
      proposer: fileProposer(file, stored?.proposer),
      labelledItems: () => [],
      describeDemos: () => [],
      overflow: () => undefined,
      summary: 'S',
      evaluate: async (instruction, _demos, countries) => {
        if (crashAt !== undefined && ++calls > crashAt) throw new Error('killed');
        const losses = Object.fromEntries(countries.map((c) => [c, loss(instruction, c)]));
        return { loss: countries.reduce((s, c) => s + losses[c], 0) / countries.length, losses };
      },
    }, stored);
  }

  it('scores the mean over training countries, measures the winner held out, and continues a crashed run to the same record', async () => {
    const file = path.join(tempDir(), 'seeds.txt');
    fs.writeFileSync(file, Array.from({ length: 8 }, (_, i) => `seed ${'x'.repeat(i)} {country}`).join('\n'));
    const whole = tempDir();
    const record = await run(whole, file);
    expect((record.state as CoproState).evaluated).toHaveLength(6);
    for (const c of (record.state as CoproState).evaluated) expect(c.loss).toBeCloseTo((loss(c.instruction, 'A') + loss(c.instruction, 'B')) / 2, 12);
    const min = Math.min(...(record.state as CoproState).evaluated.map((c) => c.loss));
    expect(record.best!.loss).toBe(min);
    expect(record.heldOut!.best).toEqual({ instruction: record.best!.instruction, loss: loss(record.best!.instruction, 'C'), losses: { C: loss(record.best!.instruction, 'C') } });
    expect(record.spend).toEqual({ search: 12, heldOut: 2, proposals: 5 });
    const finished = fs.readFileSync(path.join(whole, PROGRAM_FILE), 'utf8');

    const crashed = tempDir();
    await expect(run(crashed, file, 3)).rejects.toThrow('killed');
    const stored = JSON.parse(fs.readFileSync(path.join(crashed, PROGRAM_FILE), 'utf8')) as ProgramRecord;
    expect((stored.state as CoproState).evaluated).toHaveLength(3);
    await run(crashed, file, undefined, stored);
    expect(fs.readFileSync(path.join(crashed, PROGRAM_FILE), 'utf8')).toBe(finished);
  });
});

describe('cultune program on the tiny model', () => {
  it('runs with the model as its own proposer, and --resume of a finished run gives the same record', async () => {
    const out = tempDir();
    const args = ['program', '--model', path.join(FIXTURES, 'llama-f32'), '--device', 'cpu', '--instrument', 'iw-map', '--countries', 'Japan,Brazil,Germany', '--proposer', 'self', '--breadth', '2', '--depth', '2', '--budget', '40', '--out', out, '--name', 'p'];
    const first = await cultune(args);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    const file = path.join(out, 'p', PROGRAM_FILE);
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as ProgramRecord;
    expect(record.definition.train).toHaveLength(2);
    expect(record.definition.heldOut).toHaveLength(1);
    expect((record.state as CoproState).evaluated[0].instruction).toBe('You are a person from {country}.');
    expect((record.state as CoproState).evaluated.length).toBeGreaterThanOrEqual(1);
    expect(record.state.spend).toBe((record.state as CoproState).evaluated.length * 2);
    expect(record.proposer.kind).toBe('self');
    const again = await cultune([...args, '--resume']);
    expect(again.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(record);
    const refused = await cultune(args);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--resume');
  }, 120_000);
});

describe('MIPROv2 program runs', () => {
  const settings = { ...MIPRO_DEFAULTS, auto: null, candidates: 3, trials: 6, minibatchSize: 2 };
  const definition = (file: string): ProgramDefinition => ({
    instrument: { name: 'multitp', settings: {} },
    model: 'hash',
    countries: ['A', 'B', 'C', 'D'],
    train: ['A', 'B', 'C'],
    heldOut: ['D'],
    seed: 2,
    optimizer: 'mipro',
    settings,
    plan: miproPlan(settings, false, 3),
    original: 'orig {country}',
    proposer: `file ${file}`,
    budget: 1000,
  });
  const loss = (instruction: string, demos: readonly string[], country: string) => ((instruction.length * 7 + demos.length * 3 + country.charCodeAt(0)) % 13) / 13;

  async function run(dir: string, file: string, crashAt?: number, stored?: ProgramRecord) {
    let calls = 0;
    return runProgram(dir, definition(file), {
      proposer: fileProposer(file, stored?.proposer),
      labelledItems: () => ['d1', 'd2', 'd3'],
      describeDemos: (items) => [...items],
      overflow: () => undefined,
      summary: 'S',
      evaluate: async (instruction, demos, countries, capture) => {
        if (crashAt !== undefined && ++calls > crashAt) throw new Error('killed');
        const losses = Object.fromEntries(countries.map((c) => [c, loss(instruction, demos, c)]));
        return { loss: countries.reduce((s, c) => s + losses[c], 0) / countries.length, losses, ...(capture && { answeredAsLabelled: Object.fromEntries(countries.map((c) => [c, ['d2']])) }) };
      },
    }, stored);
  }

  it('ends with the best full evaluation measured held out, and a run killed mid-search resumes to the same record', async () => {
    const file = path.join(tempDir(), 'seeds.txt');
    fs.writeFileSync(file, 'one {country}\ntwo two {country}\nthree three three {country}\n');
    const whole = tempDir();
    const record = await run(whole, file);
    const state = record.state as MiproState;
    expect(state.stopped).toBe('finished');
    const bestFull = state.trials.filter((t) => t.full).reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(record.best).toEqual({ instruction: state.instructions[bestFull.instruction], ...(state.demoSets[bestFull.demos].length ? { demos: state.demoSets[bestFull.demos] } : {}), loss: bestFull.loss });
    expect(record.heldOut!.best.loss).toBe(loss(record.best!.instruction, record.best!.demos ?? [], 'D'));
    expect(record.spend.search).toBe(state.spend);
    const finished = fs.readFileSync(path.join(whole, PROGRAM_FILE), 'utf8');
    const crashed = tempDir();
    await expect(run(crashed, file, 5)).rejects.toThrow('killed');
    const stored = JSON.parse(fs.readFileSync(path.join(crashed, PROGRAM_FILE), 'utf8')) as ProgramRecord;
    expect((stored.state as MiproState).trials.length).toBeGreaterThan(1);
    await run(crashed, file, undefined, stored);
    expect(fs.readFileSync(path.join(crashed, PROGRAM_FILE), 'utf8')).toBe(finished);
  });
});

describe('cultune program --optimizer mipro, then eval --conditions programmed and the report', () => {
  it("searches MultiTP with demonstrations; eval reproduces the held-out loss, and the report's regime table shows the spend", async () => {
    const out = tempDir();
    const seeds = path.join(out, 'seeds.txt');
    fs.writeFileSync(seeds, 'Answer as someone from {country} would.\nThink like a typical adult in {country}.\nChoose as people in {country} choose.\n');
    const model = path.join(FIXTURES, 'llama-f32');
    const args = ['program', '--model', model, '--device', 'cpu', '--instrument', 'multitp', '--dilemmas', '1', '--countries', 'Japan,Brazil,Germany', '--optimizer', 'mipro', '--proposer', seeds, '--out', out, '--name', 'm'];
    const first = await cultune(args);
    expect(first.stderr).toContain('MIPROv2 (light): 3 instructions, 6 demo sets, 10 trials');
    expect(first.code).toBe(0);
    const dir = path.join(out, 'm');
    const record = JSON.parse(fs.readFileSync(path.join(dir, PROGRAM_FILE), 'utf8')) as ProgramRecord;
    expect((record.state as MiproState).trials).toHaveLength(11);
    const [heldOut] = record.definition.heldOut;
    const evalDir = path.join(out, 'eval');
    const evaluated = await cultune(['eval', '--model', model, '--device', 'cpu', '--instrument', 'multitp', '--dilemmas', '1', '--country', heldOut, '--conditions', 'persona,programmed', '--program', dir, '--instruments', 'multitp', '--out', evalDir]);
    expect(evaluated.code).toBe(0);
    const programmed = JSON.parse(fs.readFileSync(path.join(evalDir, 'eval-programmed.json'), 'utf8'));
    expect(programmed.result.loss.value).toBe(record.heldOut!.best.losses[heldOut]);
    expect(programmed.program).toMatchObject({ run: 'm', optimizer: 'mipro', instruction: record.best!.instruction, country: 'held-out', trainCountries: 2, spend: record.spend.search });
    expect(programmed.program.demos).toEqual(record.best!.demos);
    const report = await cultune(['report', evalDir, '--out', path.join(out, 'report')]);
    expect(report.code).toBe(0);
    const markdown = fs.readFileSync(path.join(out, 'report', 'report.md'), 'utf8');
    const table = markdown.slice(markdown.indexOf('## Regimes'));
    expect(table).toContain(`| programmed | eval | classify |`);
    expect(table).toContain(`m: held-out | ${record.spend.search} search over 2 countries |`);
    expect(table).toMatch(/\| persona \| eval \| classify \| .* \| 0 \|/);
    expect(markdown).toContain('programmed - persona');
    // The summary over the program's held-out countries: here the one evaluated.
    expect(markdown).toContain("| regime | mean MultiTP loss, program's held-out countries (n) |");
    expect(markdown).toContain(`| programmed | ${programmed.result.loss.value.toFixed(3)} (1) |`);
    const refused = await cultune(['eval', '--model', model, '--device', 'cpu', '--instrument', 'multitp', '--country', heldOut, '--conditions', 'programmed', '--out', evalDir]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--program DIR');
  }, 180_000);
});
