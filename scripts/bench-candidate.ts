import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/model/index.ts';
import { prepareInstrument } from '../src/instruments/index.ts';
import { VSM13 } from '../src/instruments/vsm13/index.ts';
import type { SHAPES } from '../src/synthetic/llama-graph.ts';
import { benchModel } from './bench-scoring.ts';

/**
 * One candidate on a model too large for the generation benchmark's PyTorch comparison on a small
 * machine (the Llama-3.2-1B shape): the 96 VSM 2013 prompts with a k = 10 soft prompt, scored once
 * untimed and once timed, and the process's peak resident memory.
 */
export async function benchCandidate(shape: keyof typeof SHAPES): Promise<string> {
  const model = await loadModel(benchModel(shape), { device: 'cpu' });
  const { requests } = prepareInstrument(model.tokenizer, { instrument: VSM13, settings: VSM13.settings({}) }, undefined);
  const k = 10;
  const data = Float32Array.from({ length: k * model.hidden }, (_, i) => 0.02 * Math.sin(i));
  const softPrompt = { k, hidden: model.hidden, data };
  await model.score(requests, { softPrompt });
  const started = performance.now();
  await model.score(requests, { softPrompt });
  const seconds = (performance.now() - started) / 1000;
  await model.dispose();
  const tokens = requests.reduce((sum, r) => sum + r.ids.length + k, 0);
  const rssGiB = process.resourceUsage().maxRSS / 2 ** 20;
  return `| ${shape} | ${requests.length} | ${tokens} | ${seconds.toFixed(1)} | ${rssGiB.toFixed(1)} |`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log('| model | prompts | prompt tokens | s / candidate | peak RSS GiB |\n| --- | ---: | ---: | ---: | ---: |');
  console.log(await benchCandidate((process.argv[2] ?? 'llama-3.2-1b') as keyof typeof SHAPES));
}
