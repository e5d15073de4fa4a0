import fs from 'node:fs';
import path from 'node:path';
import { writeLlamaFolder } from '../synthetic/llama-folder.ts';
import { DEFAULT_INSTRUMENT, instrumentNamed, personaSentence } from '../instruments/index.ts';

/** Bumped when the demo model's recipe changes, so an old cached copy is not reused. */
const DEMO_MODEL_VERSION = 2;

/**
 * The embedded default model: a small Llama with seeded weights and a byte-level BPE tokenizer
 * trained on the default instrument's wording, generated on first use (a second or two) and cached.
 */
export function demoModelDir(root: string): string {
  const dir = path.join(root, `demo-model-v${DEMO_MODEL_VERSION}`);
  if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  writeLlamaFolder(dir, {
    spec: { hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 192, maxPositions: 1024, ropeTheta: 10000, rmsEps: 1e-5, dtype: 'float32', withPast: true },
    seed: 'cultune-demo',
    tokenizer: { trainOn: { corpus: surveyCorpus(), merges: 400 } },
  });
  return dir;
}

/**
 * The default instrument's questions (two respondent variants: every item with its labels in scale
 * order and reversed) and the persona line: the text a tokenizer for the survey is trained on.
 */
export function surveyCorpus(): string {
  const instrument = instrumentNamed(DEFAULT_INSTRUMENT);
  const questions = instrument.questions(instrument.settings({ variants: '2' }), undefined).map((q) => q.messages.map((m) => m.content).join('\n'));
  return `${questions.join('\n')}\n${personaSentence('the country')}`;
}
