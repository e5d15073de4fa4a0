import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLlamaFolder } from '../src/synthetic/llama-folder.ts';
import type { LlamaSpec } from '../src/synthetic/llama-graph.ts';
import { surveyCorpus } from '../src/train/demo-model.ts';

/** Bumped whenever the fixtures' recipe changes. */
const FIXTURE_RECIPE = 3;

const tinySpec = (dtype: LlamaSpec['dtype'], withPast: boolean) => ({
  hidden: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  intermediate: 128,
  // Llama 2's vocabulary size: the parity tests feed token ids of up to 29946 straight to the graph.
  vocab: 32000,
  maxPositions: 1024,
  ropeTheta: 10000,
  rmsEps: 1e-5,
  dtype,
  withPast,
});

/** Writes the seeded test models: fp32 and fp16 with KV inputs, and an inline fp32 one without (onnx/ layout). */
export function makeTestFixtures(root: string): void {
  // The stamp is written last: a complete set of fixtures of this recipe is reused, not rewritten
  // under test processes that may be reading it.
  const stamp = path.join(root, 'fixtures.json');
  if (fs.existsSync(stamp) && JSON.parse(fs.readFileSync(stamp, 'utf8')).recipe === FIXTURE_RECIPE) return;
  fs.rmSync(root, { recursive: true, force: true });
  // A byte-level BPE trained on the survey's wording: a real tokenizer.json, generated, so no download is needed.
  const tokenizer = { trainOn: { corpus: surveyCorpus(), merges: 400 } };
  writeLlamaFolder(path.join(root, 'llama-f32'), { spec: tinySpec('float32', true), seed: 'fixture-f32', tokenizer });
  writeLlamaFolder(path.join(root, 'llama-f16'), { spec: tinySpec('float16', true), seed: 'fixture-f16', tokenizer });
  const nested = path.join(root, 'llama-f32-inline');
  writeLlamaFolder(nested, { spec: tinySpec('float32', false), seed: 'fixture-inline', tokenizer, externalThreshold: Infinity });
  fs.mkdirSync(path.join(nested, 'onnx'));
  fs.renameSync(path.join(nested, 'model.onnx'), path.join(nested, 'onnx', 'model.onnx'));
  fs.writeFileSync(stamp, JSON.stringify({ recipe: FIXTURE_RECIPE }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? 'test/fixtures/generated';
  makeTestFixtures(root);
  console.log(`test fixtures written to ${root}`);
}
