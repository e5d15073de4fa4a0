import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_REVISION } from '../src/culturalbench/index.ts';
import { runCliAsync } from './helpers/cli.ts';
import { HubStandIn, repoFromFolder } from './helpers/hub-server.ts';
import { writeHubRepoFolder } from './helpers/hub-model.ts';
import { CULTURALBENCH_DATA, REPO } from './helpers/paths.ts';

/** The command lines of README's real-model example, as written. */
function readmeExample(): string[] {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const block = /<!-- real-model-example[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- \/real-model-example -->/.exec(readme);
  if (!block) throw new Error('README.md has no real-model example block');
  return block[1].split('\n').filter((line) => line.trim() !== '');
}

const COMMIT = '5a33ba10'.padEnd(40, '3');

describe("README's real-model example", () => {
  let work: string;
  let hub: HubStandIn;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cultune-readme-'));
    const { repo } = writeHubRepoFolder(path.join(work, 'models'));
    // The Hub as the example meets it: the model under its id, and CulturalBench for eval.
    const dataset = `/datasets/kellycyy/CulturalBench/resolve/${HUB_REVISION}`;
    hub = new HubStandIn([repoFromFolder('HuggingFaceTB/SmolLM2-135M-Instruct', repo, COMMIT)], {
      [`${dataset}/CulturalBench-Easy.csv`]: fs.readFileSync(path.join(CULTURALBENCH_DATA, 'CulturalBench-Easy.csv')),
      [`${dataset}/CulturalBench-Hard.csv`]: fs.readFileSync(path.join(CULTURALBENCH_DATA, 'CulturalBench-Hard.csv')),
    });
    await hub.start();
  });
  afterAll(async () => {
    await hub.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('runs as written with HF_ENDPOINT pointing at a local stand-in for the Hub', async () => {
    const lines = readmeExample();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const cwd = path.join(work, 'user');
    fs.mkdirSync(cwd);
    const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: path.join(work, 'hf-cache'), CULTUNE_CACHE: path.join(work, 'cultune-cache'), HF_TOKEN: '', HF_HUB_OFFLINE: '' };
    for (const line of lines) {
      const [npx, command, ...args] = line.split(/\s+/);
      expect([npx, command]).toEqual(['npx', 'cultune']);
      const result = await runCliAsync(args, { cwd, env });
      expect(result.code, `${line}\n${result.stderr}`).toBe(0);
    }
    // What the example promises: a trained run, its evals with CulturalBench, a PEFT export naming the Hub model, a report.
    const run = path.join(cwd, 'checkpoints', 'JP-s1');
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    expect(info.model).toMatchObject({ hubId: 'HuggingFaceTB/SmolLM2-135M-Instruct', revision: COMMIT, graphFile: 'onnx/model.onnx' });
    expect(JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8')).history.at(-1).evaluations).toBe(200);
    for (const condition of ['soft', 'persona']) {
      const record = JSON.parse(fs.readFileSync(path.join(run, `eval-${condition}.json`), 'utf8'));
      expect(record.culturalbench.available, condition).toBe(true);
      expect(record.culturalbench.country).toBe('Japan');
    }
    const adapter = JSON.parse(fs.readFileSync(path.join(run, 'export-peft', 'adapter_config.json'), 'utf8'));
    expect([adapter.base_model_name_or_path, adapter.revision]).toEqual(['HuggingFaceTB/SmolLM2-135M-Instruct', COMMIT]);
    expect(fs.existsSync(path.join(cwd, 'report', 'report.html'))).toBe(true);
    // The model came from the stand-in once; CulturalBench too.
    expect(hub.requests.filter((r) => r.url.endsWith('/onnx/model.onnx_data') && r.url.startsWith('/cdn/'))).toHaveLength(1);
    expect(hub.requests.filter((r) => r.url.endsWith('CulturalBench-Easy.csv'))).toHaveLength(1);
  });
});
