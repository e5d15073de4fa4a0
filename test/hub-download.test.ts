import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCliAsync } from './helpers/cli.ts';
import { gitBlobId, HubStandIn, repoFromFolder, sha256, type HubRepo } from './helpers/hub-server.ts';
import { writeHubRepoFolder } from './helpers/hub-model.ts';

const ID = 'onnx-community/SmolLM2-135M-Instruct';
const GATED = 'meta-llama/Llama-3.2-1B-Instruct';
const PRIVATE = 'someone/private-model';
const COMMIT = 'c0ffee'.padEnd(40, '0');
const TOKEN = 'hf_testtoken';

let work: string;
let hub: HubStandIn;
let repo: HubRepo;
let local: string;
let input: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-hub-'));
  const folders = writeHubRepoFolder(work);
  local = folders.local;
  repo = repoFromFolder(ID, folders.repo, COMMIT);
  hub = new HubStandIn([
    repo,
    repoFromFolder(GATED, folders.repo, 'feed'.padEnd(40, '1'), TOKEN),
    { ...repoFromFolder(PRIVATE, folders.repo, 'beef'.padEnd(40, '2'), TOKEN), private: true },
  ]);
  await hub.start();
  input = path.join(work, 'prompts.jsonl');
  fs.writeFileSync(input, `${JSON.stringify({ id: 1, prompt: 'How important is it to have a good job?', options: [' 1', ' 2', ' 3'] })}\n`);
});
afterAll(async () => {
  await hub.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

let cache: string;
beforeEach(() => {
  hub.requests.length = 0;
  cache = fs.mkdtempSync(path.join(work, 'hub-cache-'));
});

/** `cultune score` on the prompts, with the Hub stand-in as HF_ENDPOINT and a fresh Hub cache. */
function score(model: string, flags: string[] = [], env: Record<string, string> = {}) {
  return runCliAsync(['score', '--model', model, '--input', input, '--device', 'cpu', ...flags], {
    env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_TOKEN: '', HF_HUB_OFFLINE: '', CULTUNE_CACHE: path.join(work, 'cultune-cache'), ...env },
  });
}

const logprobs = (stdout: string): number[] => JSON.parse(stdout.trim()).logprobs;
const repoDir = () => path.join(cache, 'models--onnx-community--SmolLM2-135M-Instruct');
const downloads = () => hub.requests.filter((r) => r.url.includes('/resolve/') || r.url.startsWith('/cdn/')).map((r) => r.url);
const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('--model HUB_ID against a local Hub stand-in', () => {
  it('downloads config, tokenizer and the fp32 graph into the Hub cache, checked, and scores as the same model on disk', async () => {
    const run = await score(ID);
    expect(run.code, run.stderr).toBe(0);
    expect(logprobs(run.stdout)).toEqual(logprobs((await score(local)).stdout));
    // Only what cultune needs: not the README, not the other graph variants.
    const resolved = downloads().filter((u) => u.includes('/resolve/')).map((u) => u.split(`/resolve/${COMMIT}/`)[1]).sort();
    expect(resolved).toEqual(['config.json', 'generation_config.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'tokenizer.json', 'tokenizer_config.json']);
    expect(run.stderr).toContain(`cultune: downloading 6 file(s) of ${ID}`);
    // huggingface_hub's layout: refs/main, blobs named by sha256 (LFS) or git blob id, snapshot links.
    expect(fs.readFileSync(path.join(repoDir(), 'refs', 'main'), 'utf8')).toBe(COMMIT);
    const snapshot = path.join(repoDir(), 'snapshots', COMMIT);
    for (const file of repo.files.filter((f) => resolved.includes(f.path))) {
      const link = path.join(snapshot, file.path);
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(path.basename(fs.readlinkSync(link))).toBe(file.lfs ? sha256(file.bytes) : gitBlobId(file.bytes));
      expect(fs.readFileSync(link)).toEqual(file.bytes);
    }
    expect(fs.readdirSync(path.join(repoDir(), 'blobs')).filter((f) => f.includes('.'))).toEqual([]);

    // Again: nothing downloaded; offline: no request at all.
    hub.requests.length = 0;
    expect(logprobs((await score(ID)).stdout)).toEqual(logprobs(run.stdout));
    expect(downloads()).toEqual([]);
    hub.requests.length = 0;
    const offline = await score(ID, [], { HF_HUB_OFFLINE: '1' });
    expect(offline.code, offline.stderr).toBe(0);
    expect(logprobs(offline.stdout)).toEqual(logprobs(run.stdout));
    expect(hub.requests).toEqual([]);
  });

  it('--revision pins a commit; an unknown revision or model is one line', async () => {
    const pinned = await score(ID, ['--revision', COMMIT]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(fs.existsSync(path.join(repoDir(), 'refs'))).toBe(false);
    const badRevision = await score(ID, ['--revision', 'v9']);
    expect(badRevision.code).toBe(1);
    expect(oneLine(badRevision.stderr)).toEqual([expect.stringMatching(/^cultune: onnx-community\/SmolLM2-135M-Instruct at revision v9 not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404: Invalid rev id: v9\)$/)]);
    const missing = await score('onnx-community/no-such-model');
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toEqual([expect.stringMatching(/^cultune: onnx-community\/no-such-model not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404: Repository not found\)$/)]);
  });

  it('a gated model: one line asking for HF_TOKEN (the Hub answers 401 without it), and downloads with it', async () => {
    const refused = await score(GATED);
    expect(refused.code).toBe(1);
    expect(oneLine(refused.stderr)).toEqual([`cultune: ${GATED} is gated: set HF_TOKEN to a token of an account that has accepted its licence at ${hub.url}/${GATED}`]);
    // The model info does not stop a token without access: the Hub's 401/403 on the download does, in one line.
    const wrong = await score(GATED, [], { HF_TOKEN: 'hf_wrong' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.split('\n').filter((l) => l.startsWith('cultune:') && !l.includes('downloading'))).toEqual([
      expect.stringMatching(new RegExp(`^cultune: ${GATED}/config\\.json: HF_TOKEN has no access to ${GATED} \\(HTTP 403: Access to model ${GATED} is restricted\\.\\)`)),
    ]);
    expect(hub.requests.some((r) => r.url.includes('/resolve/') && r.authorization === undefined)).toBe(false);
    // A private model: the Hub's 401 on the model info, in one line.
    const hidden = await score(PRIVATE);
    expect(oneLine(hidden.stderr)).toEqual([
      `cultune: ${PRIVATE} needs a Hugging Face token: it is gated or private, or does not exist (HTTP 401: Invalid username or password.); set HF_TOKEN, after accepting the model's licence at ${hub.url}/${PRIVATE}`,
    ]);
    expect((await score(PRIVATE, [], { HF_TOKEN: TOKEN })).code).toBe(0);
    hub.requests.length = 0;
    const allowed = await score(GATED, [], { HF_TOKEN: TOKEN });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(hub.requests.filter((r) => r.url.includes('/resolve/')).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect((await score(GATED, [], { HF_TOKEN: 'not-a-token' })).stderr.trim()).toBe('cultune: HF_TOKEN does not look like a Hugging Face token (they start with hf_)');
  });

  it('a download cut halfway is resumed with a Range request, here or by the next run, and checked whole', async () => {
    hub.faults.truncateOnce.add('onnx/model.onnx_data');
    const run = await score(ID);
    expect(run.code, run.stderr).toBe(0);
    const cut = hub.cutAt.get('onnx/model.onnx_data')!;
    const data = repo.files.find((f) => f.path === 'onnx/model.onnx_data')!.bytes;
    expect(cut).toBeGreaterThan(0);
    expect(hub.requests.filter((r) => r.url.endsWith('onnx/model.onnx_data')).map((r) => r.range ?? 'whole')).toEqual(['whole', 'whole', `bytes=${cut}-`, `bytes=${cut}-`]);
    expect(fs.readFileSync(path.join(repoDir(), 'snapshots', COMMIT, 'onnx/model.onnx_data'))).toEqual(data);

    // A partial file left by an earlier process (or by huggingface_hub, same name) is resumed too.
    cache = fs.mkdtempSync(path.join(work, 'hub-cache-'));
    const blobs = path.join(repoDir(), 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    fs.writeFileSync(path.join(blobs, `${sha256(data)}.incomplete`), data.subarray(0, 1000));
    hub.requests.length = 0;
    const resumed = await score(ID);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(hub.requests.filter((r) => r.url.startsWith('/cdn/') && r.url.endsWith('onnx/model.onnx_data')).map((r) => r.range)).toEqual(['bytes=1000-']);
    expect(logprobs(resumed.stdout)).toEqual(logprobs(run.stdout));
  });

  it('a download whose sha256 differs from the Hub LFS metadata is deleted and reported in one line', async () => {
    hub.faults.corrupt.add('onnx/model.onnx_data');
    try {
      const run = await score(ID);
      expect(run.code).toBe(1);
      const data = repo.files.find((f) => f.path === 'onnx/model.onnx_data')!.bytes;
      expect(oneLine(run.stderr).filter((l) => l.startsWith('cultune:') && !l.includes('downloading'))).toEqual([
        expect.stringMatching(new RegExp(`model\\.onnx_data: sha256 [0-9a-f]{64} does not match the Hub's ${sha256(data)}; the download was deleted`)),
      ]);
      expect(fs.readdirSync(path.join(repoDir(), 'blobs')).some((f) => f.startsWith(sha256(data)))).toBe(false);
      expect(fs.existsSync(path.join(repoDir(), 'snapshots'))).toBe(false);
    } finally {
      hub.faults.corrupt.clear();
    }
  });

  it('picks the fp16 graph with --model-variant or --model-file, and refuses a quantized one naming the supported files', async () => {
    const fp16 = await score(ID, ['--model-variant', 'fp16']);
    expect(fp16.code, fp16.stderr).toBe(0);
    expect(fp16.stderr).toMatch(/on cpu, tree plan \(float16, hidden 64\)/);
    expect(downloads().some((u) => u.endsWith('onnx/model.onnx'))).toBe(false);
    const q4 = await score(ID, ['--model-file', 'onnx/model_q4.onnx']);
    expect(q4.code).toBe(1);
    expect(oneLine(q4.stderr)).toEqual(['cultune: onnx/model_q4.onnx is a quantized graph, which cultune cannot score; use onnx/model.onnx or onnx/model_fp16.onnx (--model-file)']);
    expect(oneLine((await score(ID, ['--model-variant', 'q4'])).stderr)).toEqual(['cultune: --model-variant q4: cultune scores the fp32 and fp16 graphs (--model-variant fp32 or fp16)']);
    expect(oneLine((await score(local, ['--revision', 'main'])).stderr)).toEqual([expect.stringMatching(/^cultune: --revision pick files of a Hub model; .* is a local folder/)]);
  });

  it('an unreachable Hub: the cached snapshot serves, with one line saying so; nothing cached is one line', async () => {
    expect((await score(ID)).code).toBe(0);
    const dead = 'http://127.0.0.1:9';
    const cached = await score(ID, [], { HF_ENDPOINT: dead });
    expect(cached.code, cached.stderr).toBe(0);
    expect(cached.stderr).toMatch(/^cultune: cannot reach http:\/\/127\.0\.0\.1:9: .*; using the cached snapshot c0ffee000000 of onnx-community\/SmolLM2-135M-Instruct$/m);
    cache = fs.mkdtempSync(path.join(work, 'hub-cache-'));
    const none = await score(ID, [], { HF_ENDPOINT: dead });
    expect(none.code).toBe(1);
    expect(oneLine(none.stderr)).toEqual([expect.stringMatching(/^cultune: cannot reach http:\/\/127\.0\.0\.1:9: .*, and onnx-community\/SmolLM2-135M-Instruct is not in the Hub cache .*: set HF_ENDPOINT to a reachable Hub mirror, or pass --model with a local folder/)]);
  });
});
