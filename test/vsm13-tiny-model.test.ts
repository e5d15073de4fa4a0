import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/model/index.ts';
import { DIMENSIONS, evaluateVsm13, prepareVsm13Objective, resolveTarget, targetValues } from '../src/vsm13/index.ts';
import { FIXTURES } from './helpers/paths.ts';

const tinyModel = path.join(FIXTURES, 'llama-f32');

describe('VSM 2013 on the tiny seeded Llama', () => {
  it('scores a soft prompt and returns six finite dimensions', async () => {
    const model = await loadModel(tinyModel, { device: 'cpu' });
    try {
      const k = 3;
      // A fixed, non-random soft prompt: the answers are meaningless, the plumbing is what is tested.
      const softPrompt = { k, hidden: model.hidden, data: Float32Array.from({ length: k * model.hidden }, (_, i) => Math.sin(i) * 0.02) };
      const scores = await evaluateVsm13(model, { variants: 2, softPrompt, persona: 'Saudi Arabia' });
      for (const d of DIMENSIONS) {
        expect(Number.isFinite(scores.indices.expected[d])).toBe(true);
        expect(Number.isFinite(scores.indices.argmax[d])).toBe(true);
      }
      for (const m of scores.itemMeans.expected) expect(m >= 1 && m <= 5).toBe(true);

      const objective = prepareVsm13Objective(model, targetValues(resolveTarget({ country: 'SA', fallback: 'region' })), { variants: 2 });
      const result = await objective.evaluate(softPrompt);
      expect(Number.isFinite(result.loss)).toBe(true);
      expect(result.breakdown.usedDimensions).toEqual([...DIMENSIONS]);
    } finally {
      await model.dispose();
    }
  });
});
