import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HuggingFaceTokenizer } from '../src/model/tokenizer.ts';
import { initTokens } from '../src/train/init-text.ts';
import { buildSearchSpace } from '../src/train/search-space.ts';
import { estimateRun } from '../src/train/estimate.ts';
import { duration } from '../src/report/format.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import type { EmbeddingTable } from '../src/embedding/index.ts';
import { runCli } from './helpers/cli.ts';
import { FIXTURES } from './helpers/paths.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');
const HIDDEN = 64;
const env = { CULTUNE_CACHE: path.join(FIXTURES, '.cache') };

/** PEFT's TEXT init, written out as its prompt_tuning/model.py does it: trim, or repeat the list ceil(k / n) times, then cut to k. */
function peftTextIds(ids: number[], k: number): number[] {
  const repeated = ids.length < k ? Array.from({ length: Math.ceil(k / ids.length) }, () => ids).flat() : ids;
  return repeated.slice(0, k);
}

describe('TEXT init', () => {
  const tokenizer = HuggingFaceTokenizer.fromFolder(MODEL);
  const vocab = 32000;
  const table: EmbeddingTable = { vocab, hidden: 3, data: Float32Array.from({ length: vocab * 3 }, (_, n) => Math.floor(n / 3) + (n % 3) / 10) };

  it("takes the text's tokens, and PEFT's repeat/trim rule to fill k", () => {
    const text = 'You are a person from Peru.';
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    for (const k of [2, ids.length, ids.length + 3, 3 * ids.length + 1]) {
      const init = initTokens(tokenizer, text, k);
      expect(init.ids).toEqual(ids);
      // The subspace's centre S0 (z = 0) is the init: its rows are the embeddings of PEFT's ids.
      const space = buildSearchSpace(table, { k, init: 'text', placement: 'start' }, { space: 'subspace', dim: 4, strategy: 'shade', pop: 4, budget: 8, seed: 1 }, init.ids);
      const s0 = space.toPrompt(new Float32Array(4)).data;
      const rows = Array.from({ length: k }, (_, r) => Math.round(s0[r * 3]));
      expect(rows).toEqual(peftTextIds(ids, k));
      if (k < ids.length) expect(init.notice).toBe(`init text "You are a person from Peru." is ${ids.length} tokens; k = ${k} keeps the first ${k} (PEFT's rule), so texts that begin alike start alike: raise --k or shorten --init-text`);
      else if (k > ids.length) expect(init.notice).toMatch(new RegExp(`is ${ids.length} tokens; they are repeated from the start to fill k = ${k} \\(PEFT's rule\\)$`));
      else expect(init.notice).toBeUndefined();
    }
  });

});

/** A finished run folder as `cultune train` leaves it, made by hand, with the given model record. */
function makeRun(dir: string, model: Record<string, unknown>, initText = 'You are a person from Japan.'): void {
  const target = VSM13.target({ country: 'JP', fallback: 'region' });
  fs.mkdirSync(dir, { recursive: true });
  const write = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  const best = { instrument: 'vsm13', scores: {}, target: {}, loss: { value: 12.5, metric: 'l1', perScore: {}, difference: {}, missing: [] }, details: null };
  write('run.json', {
    cultune: '0.2.0',
    country: { query: 'JP', name: target.country.name, code: 'JP' },
    instrument: { name: 'vsm13', settings: VSM13.settings({ variants: '1' }) },
    target,
    softPrompt: { k: 2, init: 'text', initText, placement: 'start' },
    search: { space: 'subspace', dim: 8, strategy: 'shade', pop: 4, budget: 8, seed: 1 },
    model: { sourceHash: 'test', hidden: HIDDEN, dtype: 'float32', ...model },
  });
  write('checkpoint.json', { generation: 2, evaluations: 8, history: [], best });
  write('result.json', { stopReason: 'max-evaluations', best, history: [] });
  write('prompt.json', { shape: [2, HIDDEN], data: Array.from({ length: 2 * HIDDEN }, (_, i) => Math.sin(i) * 0.02) });
}

describe('cultune export: PEFT metadata', () => {
  let work: string;
  beforeAll(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-export-'))));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const exportConfig = (run: string, ...flags: string[]) => {
    const out = path.join(run, `peft${flags.length}`);
    const result = runCli(['export', run, '--out', out, ...flags], { env });
    expect(result.code, result.stderr).toBe(0);
    return { config: JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8')), stderr: result.stderr, out };
  };

  it('a plain folder: its name, never its absolute path, and one line saying so; --base-model names the Hub id', () => {
    const run = path.join(work, 'plain');
    makeRun(run, { dir: MODEL });
    const { config, stderr } = exportConfig(run);
    expect(config.base_model_name_or_path).toBe('llama-f32');
    expect(config.revision).toBeNull();
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cultune: no Hub id is known for the model folder .*llama-f32: base_model_name_or_path is its name "llama-f32"; pass --base-model ID/)]);
    // The layer and head counts are the fixture's config.json's.
    const modelConfig = JSON.parse(fs.readFileSync(path.join(MODEL, 'config.json'), 'utf8'));
    expect([config.num_layers, config.num_attention_heads]).toEqual([modelConfig.num_hidden_layers, modelConfig.num_attention_heads]);
    expect(config.prompt_tuning_init_text).toBe('You are a person from Japan.');

    const named = exportConfig(run, '--base-model', 'onnx-community/SmolLM2-135M-Instruct');
    expect(named.config.base_model_name_or_path).toBe('onnx-community/SmolLM2-135M-Instruct');
    expect(named.stderr).toBe('');
    expect(JSON.parse(fs.readFileSync(path.join(named.out, 'cultune_metadata.json'), 'utf8')).baseModel).toEqual({ name: 'onnx-community/SmolLM2-135M-Instruct', revision: null });
  });

  it('a model downloaded by Hub id, or a Hub cache snapshot folder: the id and the revision', () => {
    const run = path.join(work, 'hub');
    makeRun(run, { dir: MODEL, hubId: 'onnx-community/SmolLM2-135M-Instruct', revision: 'abc123' }, 'Hello from Japan');
    const { config, stderr } = exportConfig(run);
    expect([config.base_model_name_or_path, config.revision]).toEqual(['onnx-community/SmolLM2-135M-Instruct', 'abc123']);
    expect(config.prompt_tuning_init_text).toBe('Hello from Japan');
    expect(stderr).toBe('');

    const snapshot = path.join(work, 'hub-cache', 'models--HuggingFaceTB--SmolLM2-135M-Instruct', 'snapshots', '0123abcd');
    fs.mkdirSync(snapshot, { recursive: true });
    fs.copyFileSync(path.join(MODEL, 'config.json'), path.join(snapshot, 'config.json'));
    const cached = path.join(work, 'cached');
    makeRun(cached, { dir: snapshot });
    const fromCache = exportConfig(cached);
    expect([fromCache.config.base_model_name_or_path, fromCache.config.revision]).toEqual(['HuggingFaceTB/SmolLM2-135M-Instruct', '0123abcd']);
  });

  it('an onnxruntime-genai folder: layers and heads from genai_config.json', () => {
    const genai = path.join(work, 'genai-model');
    fs.mkdirSync(genai);
    const decoder = { hidden_size: HIDDEN, head_size: 8, num_attention_heads: 8, num_hidden_layers: 5, num_key_value_heads: 2, filename: 'model.onnx' };
    fs.writeFileSync(path.join(genai, 'genai_config.json'), JSON.stringify({ model: { type: 'llama', vocab_size: 100, bos_token_id: 1, decoder } }));
    const run = path.join(work, 'genai');
    makeRun(run, { dir: genai });
    const { config } = exportConfig(run, '--base-model', 'org/model');
    expect([config.num_layers, config.num_attention_heads]).toEqual([5, 8]);
  });

  it('a model folder that has gone is one line and no files', () => {
    const run = path.join(work, 'gone');
    makeRun(run, { dir: path.join(work, 'no-such-model') });
    const out = path.join(run, 'out');
    const result = runCli(['export', run, '--out', out], { env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cultune: the run's model folder .*no-such-model is gone, .*export --format npy or --format json, which need no model$/)]);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('the time estimate', () => {
  it('is the budget at the rate of the generation just measured, a resumed run measuring its own', () => {
    const first = { generation: 1, evaluations: 8, bestLoss: 1, medianLoss: 1, seconds: 4 };
    expect(estimateRun(first, undefined, 100)).toEqual({ secondsPerCandidate: 0.5, totalSeconds: 50, remainingSeconds: 46 });
    const resumed = { generation: 6, evaluations: 48, bestLoss: 1, medianLoss: 1, seconds: 30 };
    expect(estimateRun(resumed, { ...first, generation: 5, evaluations: 40, seconds: 26 }, 100)).toEqual({ secondsPerCandidate: 0.5, totalSeconds: 50, remainingSeconds: 26 });
    expect([duration(44.6), duration(600), duration(3 * 3600 + 5 * 60)]).toEqual(['45 s', '10 min', '3 h 05 min']);
  });
});

describe('cultune train --init-text', () => {
  it('refuses --init-text without --init text before loading a model', () => {
    const result = runCli(['train', '--model', 'nowhere', '--country', 'JP', '--init', 'vocab', '--init-text', 'Hi']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('cultune: --init-text needs --init text (got --init vocab)');
  });

  it('records the template, says in one line that it does not fit k, and exports the resolved text', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-init-'));
    try {
      const args = ['train', '--model', MODEL, '--country', 'JP', '--device', 'cpu', '--k', '2', '--dim', '8', '--pop', '4', '--budget', '4', '--variants', '1', '--out', work, '--name', 'run'];
      const result = runCli([...args, '--init-text', 'People of {country} say'], { env });
      expect(result.code, result.stderr).toBe(0);
      const tokens = HuggingFaceTokenizer.fromFolder(MODEL).encode('People of Japan say', { addSpecialTokens: false }).length;
      expect(result.stderr.split('\n').filter((l) => l.includes('init text'))).toEqual([
        `cultune: init text "People of Japan say" is ${tokens} tokens; k = 2 keeps the first 2 (PEFT's rule), so texts that begin alike start alike: raise --k or shorten --init-text`,
      ]);
      const run = path.join(work, 'run');
      expect(JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).softPrompt.initText).toBe('People of Japan say');
      // One estimate, after the first generation, from that generation's own time.
      const [first] = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8')).history;
      const perCandidate = first.seconds / first.evaluations;
      expect(result.stderr.split('\n').filter((l) => l.includes('per candidate'))).toEqual([
        `cultune: ${perCandidate.toFixed(3)} s per candidate on generation 1: the budget of 4 evaluations takes about ${duration(4 * perCandidate)} (${duration(0)} left)`,
      ]);
      const exported = runCli(['export', run, '--base-model', 'org/m'], { env });
      expect(exported.code).toBe(0);
      const config = JSON.parse(fs.readFileSync(path.join(run, 'export-peft', 'adapter_config.json'), 'utf8'));
      expect(config).toMatchObject({ prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'People of Japan say', tokenizer_name_or_path: 'org/m' });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
