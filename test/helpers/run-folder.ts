import fs from 'node:fs';
import path from 'node:path';
import { VSM13 } from '../../src/instruments/vsm13/index.ts';
import { FIXTURES } from './paths.ts';

const MODEL = path.join(FIXTURES, 'llama-f32');
const HIDDEN = 64;

/** A run folder as `cultune train` leaves it, made by hand: run.json, checkpoint.json and prompt.json. */
export function makeRunFolder(dir: string, country: string, k = 2): void {
  const target = VSM13.target({ country, fallback: 'region' });
  fs.mkdirSync(dir, { recursive: true });
  const write = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  write('run.json', {
    cultune: '0.2.0',
    country: { query: country, name: target.country.name, code: target.country.code },
    instrument: { name: 'vsm13', settings: VSM13.settings({ variants: '1', constants: 'PDI=20' }) },
    target,
    softPrompt: { k, init: 'random', placement: 'start' },
    search: { space: 'full', dim: k * HIDDEN, strategy: 'rand1bin', pop: 4, budget: 8, seed: 1 },
    model: { dir: MODEL, sourceHash: 'test', hidden: HIDDEN, dtype: 'float32' },
  });
  write('checkpoint.json', {
    generation: 2,
    evaluations: 8,
    history: [
      { generation: 1, evaluations: 4, bestLoss: 40, medianLoss: 45, seconds: 1 },
      { generation: 2, evaluations: 8, bestLoss: 35, medianLoss: 41, seconds: 2 },
    ],
  });
  write('prompt.json', { shape: [k, HIDDEN], data: Array.from({ length: k * HIDDEN }, (_, i) => Math.sin(i) * 0.02) });
}
