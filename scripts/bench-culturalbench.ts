import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, type LlamaModel, type Scorer } from '../src/model/index.ts';
import { loadCulturalBench, measureEasyThroughput } from '../src/culturalbench/index.ts';
import { benchModel } from './bench-scoring.ts';
import { readSettings } from '../src/util/settings.ts';

/**
 * CulturalBench throughput on the tiny model: unconditioned Easy questions, each asked under its
 * four rotations by letter plus once in cloze form, as `cultune culturalbench` asks them, with the
 * prefix tree on and off (measured alternately, the median of three each).
 */
const SHARED_DATA = path.resolve(fileURLToPath(import.meta.url), '../../../shared/data/culturalbench');

export async function benchCulturalBench(questionCount = 200, rounds = 3): Promise<string> {
  const data = await loadCulturalBench(readSettings(), { dataDir: SHARED_DATA });
  const questions = data.easy.slice(0, questionCount);
  const dir = benchModel('tiny');
  const models = [
    ['prefix tree', await loadModel(dir, { device: 'cpu' })],
    ['plain (no prefix sharing)', await loadModel(dir, { device: 'cpu', prefixReuse: false })],
  ] as const;
  const seconds = new Map<string, number[]>();
  const scoringSeconds = new Map<string, number[]>();
  let requests = 0;
  await measureEasyThroughput(models[0][1], questions.slice(0, 10));
  for (let round = 0; round < rounds; round++) {
    for (const [name, model] of models) {
      const timed = timedScorer(model);
      const result = await measureEasyThroughput(timed.scorer, questions);
      requests = result.requests;
      seconds.set(name, [...(seconds.get(name) ?? []), result.seconds]);
      scoringSeconds.set(name, [...(scoringSeconds.get(name) ?? []), timed.seconds()]);
    }
  }
  for (const [, model] of models) await model.dispose();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const lines = ['| path | questions / s | requests / s | of which scoring (s) | questions / s, scoring alone |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const [name, values] of seconds) {
    const s = median(values);
    const scoring = median(scoringSeconds.get(name)!);
    lines.push(`| ${name} | ${(questions.length / s).toFixed(1)} | ${(requests / s).toFixed(1)} | ${scoring.toFixed(2)} of ${s.toFixed(2)} | ${(questions.length / scoring).toFixed(1)} |`);
  }
  return [
    '### CulturalBench throughput (tiny model, CPU)',
    '',
    `The first ${questions.length} Easy questions of the shared copy, unconditioned: ${requests} scoring requests`,
    '(four rotations by letter, one cloze request with four multi-token options), prompt building included.',
    '',
    ...lines,
    '',
  ].join('\n');
}

/** The model, with the time spent inside its scoring calls recorded (the rest is prompt building). */
function timedScorer(model: LlamaModel): { scorer: Scorer; seconds: () => number } {
  let milliseconds = 0;
  const scorer: Scorer = {
    hidden: model.hidden,
    tokenizer: model.tokenizer,
    score: async (requests, options) => {
      const started = performance.now();
      const result = await model.score(requests, options);
      milliseconds += performance.now() - started;
      return result;
    },
  };
  return { scorer, seconds: () => milliseconds / 1000 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await benchCulturalBench());
}
