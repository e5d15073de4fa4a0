import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareObjective } from '../src/instruments/index.ts';
import { VSM13, type Vsm13Scores } from '../src/instruments/vsm13/index.ts';
import { loadModel } from '../src/model/index.ts';
import { DIMENSIONS } from '../src/targets/index.ts';
import { FIXTURES } from './helpers/paths.ts';

const tinyModel = path.join(FIXTURES, 'llama-f32');

describe('VSM 2013 on the tiny seeded Llama', () => {
  it('scores a soft prompt and a persona and returns six finite dimensions', async () => {
    const model = await loadModel(tinyModel, { device: 'cpu' });
    try {
      const k = 3;
      // A fixed, non-random soft prompt: the answers are meaningless, the plumbing is what is tested.
      const softPrompt = { k, hidden: model.hidden, data: Float32Array.from({ length: k * model.hidden }, (_, i) => Math.sin(i) * 0.02) };
      const spec = { instrument: VSM13, settings: VSM13.settings({ variants: '2', constants: 'zero' }) };
      const target = VSM13.target({ country: 'SA', fallback: 'region' });
      const persona = prepareObjective(model, spec, target, { conditioning: { text: { place: 'Saudi Arabia', style: 'user' } } });
      const scores = (await persona.evaluate()).details as Vsm13Scores;
      for (const d of DIMENSIONS) {
        expect(Number.isFinite(scores.indices.expected[d])).toBe(true);
        expect(Number.isFinite(scores.indices.argmax[d])).toBe(true);
      }
      for (const m of scores.itemMeans.expected) expect(m >= 1 && m <= 5).toBe(true);

      const result = await prepareObjective(model, spec, target).evaluate(softPrompt);
      expect(Number.isFinite(result.loss.value)).toBe(true);
      expect(result.loss.missing).toEqual([]);
      expect(Object.keys(result.scores)).toEqual([...DIMENSIONS]);
    } finally {
      await model.dispose();
    }
  });
});
