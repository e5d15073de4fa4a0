import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';
import { loadModel, type LlamaModel } from '../src/model/index.ts';

const modelDir = path.join(FIXTURES, 'llama-f32');
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };

describe('cultune score', () => {
  let work: string;
  let model: LlamaModel;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-score-'));
    model = await loadModel(modelDir, { device: 'cpu', cacheDir: path.join(FIXTURES, '.prepared') });
  });
  afterAll(() => model.dispose());

  it('scores text prompts (plain and --chat) and token-id prompts like the library does', async () => {
    const input = path.join(work, 'prompts.jsonl');
    const records = [
      { id: 'a', prompt: 'The answer is', options: [' 1', ' 2', ' 3'] },
      { id: 7, ids: [1, 450, 1234], option_ids: [29896, 29906] },
    ];
    fs.writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
    const output = path.join(work, 'out.jsonl');
    const run = runCli(['score', '--model', modelDir, '--input', input, '--device', 'cpu', '--output', output], { env });
    expect(run.stderr).toContain('on cpu');
    expect(run.code).toBe(0);
    const lines = fs.readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const tok = model.tokenizer;
    const expected = await model.score([
      { ids: tok.encode('The answer is'), options: [' 1', ' 2', ' 3'].map((o) => tok.continuationIds('The answer is', o)) },
      { ids: [1, 450, 1234], options: [[29896], [29906]] },
    ]);
    expect(lines.map((l) => l.id)).toEqual(['a', 7]);
    lines.forEach((l, i) => l.logprobs.forEach((v: number, j: number) => expect(v).toBeCloseTo(expected[i][j], 9)));

    const chat = runCli(['score', '--model', modelDir, '--input', input, '--device', 'cpu', '--chat'], { env });
    expect(chat.code).toBe(0);
    const chatText = tok.applyChatTemplate([{ role: 'user', content: 'The answer is' }], { addGenerationPrompt: true });
    // The same two requests as the command scores: a prompt's log-probs depend on its batch within rounding (1e-5).
    const [chatExpected] = await model.score([
      { ids: tok.encodePrompt(chatText, true), options: [' 1', ' 2', ' 3'].map((o) => tok.continuationIds(chatText, o)) },
      { ids: [1, 450, 1234], options: [[29896], [29906]] },
    ]);
    JSON.parse(chat.stdout.split('\n')[0]).logprobs.forEach((v: number, j: number) => expect(v).toBeCloseTo(chatExpected[j], 9));
  });

  it('--soft-prompt: vectors equal to token embeddings score like those tokens (start and after-bos); a wrong width is one line', async () => {
    const d = model.hidden;
    const softTokens = [450, 4996];
    const data = softTokens.flatMap((id) => Array.from(model.embeddingTable.data.subarray(id * d, id * d + d)));
    const softFile = path.join(work, 'soft.json');
    fs.writeFileSync(softFile, JSON.stringify({ shape: [softTokens.length, d], data }));
    const ids = [model.bosTokenId!, 1234, 338];
    const input = path.join(work, 'ids.jsonl');
    fs.writeFileSync(input, JSON.stringify({ id: 'x', ids, option_ids: [29896, 29906, 29941] }) + '\n');
    const asTokens = {
      start: [...softTokens, ...ids],
      'after-bos': [ids[0], ...softTokens, ...ids.slice(1)],
    };
    for (const [placement, tokens] of Object.entries(asTokens)) {
      const run = runCli(['score', '--model', modelDir, '--input', input, '--device', 'cpu', '--soft-prompt', softFile, '--placement', placement], { env });
      expect(run.code).toBe(0);
      const [expected] = await model.score([{ ids: tokens, options: [[29896], [29906], [29941]] }]);
      JSON.parse(run.stdout).logprobs.forEach((v: number, j: number) => expect(Math.abs(v - expected[j])).toBeLessThan(1e-5));
    }
    const narrow = path.join(work, 'narrow.json');
    fs.writeFileSync(narrow, JSON.stringify({ shape: [1, d - 1], data: new Array(d - 1).fill(0) }));
    const bad = runCli(['score', '--model', modelDir, '--input', input, '--device', 'cpu', '--soft-prompt', narrow], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/hidden|width|size/);
    expect(bad.stderr.trim().split('\n').filter((l) => !l.includes(' on cpu'))).toHaveLength(1);
  });

  it.each([
    ['not json', '{"id": 1, "prompt": "x", "options": ["a"]}\nnot json\n', /line 2: not valid JSON/],
    ['no options', '{"id": 1, "prompt": "x"}\n', /line 1: needs "options"/],
    ['no prompt', '{"id": 1, "options": ["a"]}\n', /line 1: needs "prompt"/],
    ['empty file', '\n', /holds no records/],
  ])('rejects %s with one line and a non-zero exit', (_name, content, message) => {
    const input = path.join(work, 'bad.jsonl');
    fs.writeFileSync(input, content);
    const run = runCli(['score', '--model', modelDir, '--input', input, '--device', 'cpu'], { env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n').filter((l) => !l.includes(' on cpu'))).toHaveLength(1);
  });

  it('names a missing model folder and a bad device in one line', () => {
    const input = path.join(work, 'ok.jsonl');
    fs.writeFileSync(input, '{"id": 1, "prompt": "x", "options": ["a"]}\n');
    const missing = runCli(['score', '--model', path.join(work, 'nope'), '--input', input], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^cultune: model folder .* does not exist/);
    const device = runCli(['score', '--model', modelDir, '--input', input, '--device', 'tpu'], { env });
    expect(device.code).not.toBe(0);
    expect(device.stderr).toMatch(/unknown device "tpu"/);
  });
});
