import fs from 'node:fs';
import path from 'node:path';
import { writeLlamaFolder } from '../synthetic/llama-folder.ts';
import { vsm13Items } from '../vsm13/index.ts';
import { cacheRoot } from '../util/cache-dir.ts';

/** Bumped when the demo model's recipe changes, so an old cached copy is not reused. */
const DEMO_MODEL_VERSION = 1;

/**
 * The embedded default model: a small Llama with seeded weights and a byte-level BPE tokenizer
 * trained on the VSM 2013 wording, generated on first use (a second or two) and cached.
 */
export function demoModelDir(root = cacheRoot()): string {
  const dir = path.join(root, `demo-model-v${DEMO_MODEL_VERSION}`);
  if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  writeLlamaFolder(dir, {
    spec: { hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 192, maxPositions: 1024, ropeTheta: 10000, rmsEps: 1e-5, dtype: 'float32', withPast: true },
    seed: 'cultune-demo',
    tokenizer: { trainOn: { corpus: surveyCorpus(), merges: 400 } },
  });
  return dir;
}

/** The VSM 2013 wording and the persona line: the text a tokenizer for the survey is trained on. */
export function surveyCorpus(): string {
  const items = vsm13Items().map((item) => `${item.question} ${item.labels.join(' ')}`).join('\n');
  return `${items}\nYou are a person from the country. Answer with a number from 1 to 5.`;
}
