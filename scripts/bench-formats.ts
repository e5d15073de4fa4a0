/**
 * The interaction formats' cost (issue 15, item 4): one candidate (k = 10 soft vectors) evaluated on
 * the 24 VSM 2013 items of one respondent variant in classify, cot and scenario, each at its default
 * token cap. Prints wall seconds per candidate (median of a few rounds after one untimed), the tokens
 * generated, and each format's time over classify's.
 *
 * Usage: node bin/run-ts.js scripts/bench-formats.ts [shape | model folder] [rounds]
 * (shape: one of src/synthetic/llama-graph.ts's SHAPES, default smollm-135m, generated under bench-out/)
 */
import fs from 'node:fs';
import os from 'node:os';
import { loadModel } from '../src/model/index.ts';
import { FORMATS, prepareObjective, type FormatSetting } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import type { SHAPES } from '../src/synthetic/llama-graph.ts';
import { benchModel } from './bench-scoring.ts';

const K = 10;
const [which = 'smollm-135m', roundsArg = '3'] = process.argv.slice(2);
const dir = fs.existsSync(which) ? which : benchModel(which as keyof typeof SHAPES);
const rounds = Number(roundsArg);
const model = await loadModel(dir, { device: 'cpu' });
const target = VSM13.target({ country: 'JP' });
const data = Float32Array.from({ length: K * model.hidden }, (_, i) => Math.sin(i * 0.37) * 0.02);
const softPrompt = { k: K, hidden: model.hidden, data };

console.log(`model ${which} (hidden ${model.hidden}), ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${rounds} rounds`);
let classifySeconds = 0;
for (const format of FORMATS) {
  const setting: FormatSetting = format.defaultMaxNewTokens > 0 ? { name: format.name, maxNewTokens: format.defaultMaxNewTokens } : { name: format.name };
  const objective = prepareObjective(model, { instrument: VSM13, settings: VSM13.settings({ variants: '1' }), format: setting }, target);
  await objective.evaluate(softPrompt);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    await objective.evaluate(softPrompt);
    times.push((performance.now() - start) / 1000);
  }
  const seconds = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  if (format.name === 'classify') classifySeconds = seconds;
  const questions = objective.prepared.questions.length;
  const tokens = setting.maxNewTokens === undefined ? 0 : questions * setting.maxNewTokens;
  console.log(
    `${format.name.padEnd(9)} ${seconds.toFixed(3)} s per candidate, ${questions} questions, up to ${tokens} generated tokens, ${(seconds / classifySeconds).toFixed(1)}x classify`,
  );
}
await model.dispose();
