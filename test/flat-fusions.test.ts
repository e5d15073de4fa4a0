import { describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import { onnx, DataType, type GraphProto, type TensorProto } from '../src/model/onnx-proto.ts';
import { node, tensorValueInfo, int64Tensor } from '../src/model/onnx-builder.ts';
import { dropEmptyPastConcats, fuseRmsNorms } from '../src/model/flat-fusions.ts';
import { NormalSampler } from '../src/util/seeded-random.ts';

const HIDDEN = 8;
const ROWS = 3;
const sampler = new NormalSampler('flat-fusions');

function floatTensor(name: string, values: Float32Array, dims: number[]): TensorProto {
  return { name, dataType: DataType.FLOAT, dims, floatData: Array.from(values) };
}

async function run(graph: GraphProto, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { executionProviders: ['cpu'] });
  const out = await session.run(feeds);
  await session.release();
  return out[graph.output![0].name!].data as Float32Array;
}

/** RMSNorm by its definition, per row: x / sqrt(mean(x²) + eps) * w. */
function rmsNorm(x: Float32Array, w: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / HIDDEN; r++) {
    let sum = 0;
    for (let i = 0; i < HIDDEN; i++) sum += x[r * HIDDEN + i] ** 2;
    const rms = Math.sqrt(sum / HIDDEN + eps);
    for (let i = 0; i < HIDDEN; i++) y[r * HIDDEN + i] = (x[r * HIDDEN + i] / rms) * w[i];
  }
  return y;
}

const clone = (graph: GraphProto) => onnx.GraphProto.decode(onnx.GraphProto.encode(graph).finish());

describe('RMSNorm fusion', () => {
  const w1 = sampler.fill(HIDDEN, 1, 0.1);
  const w2 = sampler.fill(HIDDEN, 1, 0.1);
  const x = sampler.fill(ROWS * HIDDEN, 0, 2);
  // Norm 1 as optimum exports write it (Pow, a Constant epsilon, Reciprocal then Mul); norm 2 as the
  // seeded models do (Mul(x, x), an initializer epsilon, Div); a mean over the first axis is no RMSNorm.
  const graph = onnx.GraphProto.create({
    name: 'norms',
    node: [
      node('Pow', ['x', 'two'], ['sq1']),
      node('ReduceMean', ['sq1'], ['var1'], { axes: [-1], keepdims: 1 }),
      node('Constant', [], ['eps1'], { value: floatTensor('eps1', Float32Array.of(1e-6), []) }),
      node('Add', ['var1', 'eps1'], ['veps1']),
      node('Sqrt', ['veps1'], ['rms1']),
      node('Reciprocal', ['rms1'], ['inv1']),
      node('Mul', ['x', 'inv1'], ['n1']),
      node('Mul', ['n1', 'w1'], ['y1']),
      node('Mul', ['y1', 'y1'], ['sq2']),
      node('ReduceMean', ['sq2'], ['var2'], { axes: [-1], keepdims: 1 }),
      node('Add', ['eps2', 'var2'], ['veps2']),
      node('Sqrt', ['veps2'], ['rms2']),
      node('Div', ['y1', 'rms2'], ['n2']),
      node('Mul', ['w2', 'n2'], ['y2']),
      node('Mul', ['y2', 'y2'], ['sq3']),
      node('ReduceMean', ['sq3'], ['var3'], { axes: [0], keepdims: 1 }),
      node('Add', ['var3', 'eps2'], ['veps3']),
      node('Sqrt', ['veps3'], ['rms3']),
      node('Div', ['y2', 'rms3'], ['y']),
    ],
    initializer: [floatTensor('two', Float32Array.of(2), []), floatTensor('eps2', Float32Array.of(1e-5), []), floatTensor('w1', w1, [HIDDEN]), floatTensor('w2', w2, [HIDDEN])],
    input: [tensorValueInfo('x', DataType.FLOAT, [ROWS, HIDDEN])],
    output: [tensorValueInfo('y', DataType.FLOAT, [ROWS, HIDDEN])],
  });

  it('fuses both written forms into SimplifiedLayerNormalization with their epsilons, and leaves other reductions alone', () => {
    const fused = clone(graph);
    expect(fuseRmsNorms(fused)).toBe(2);
    const norms = fused.node!.filter((n) => n.opType === 'SimplifiedLayerNormalization');
    expect(norms.map((n) => n.input)).toEqual([['x', 'w1'], ['y1', 'w2']]);
    expect(norms.map((n) => n.attribute!.find((a) => a.name === 'epsilon')!.f)).toEqual([Math.fround(1e-6), Math.fround(1e-5)]);
    expect(fused.node!.filter((n) => n.opType === 'ReduceMean').length).toBe(1);
    // What only the fused chains read goes with them; what the remaining reduction reads stays.
    expect(fused.node!.some((n) => n.opType === 'Constant')).toBe(false);
    expect(fused.initializer!.map((t) => t.name)).toEqual(['eps2', 'w1', 'w2']);
  });

  it('the fused graph computes what the definition and the unfused graph do', async () => {
    const fused = clone(graph);
    fuseRmsNorms(fused);
    // Cut both graphs at y2, the second norm's output, to compare with the definition.
    for (const g of [graph, fused]) g.output = [tensorValueInfo('y2', DataType.FLOAT, [ROWS, HIDDEN])];
    const feeds = { x: new ort.Tensor('float32', x, [ROWS, HIDDEN]) };
    const [before, after] = [await run(graph, feeds), await run(fused, feeds)];
    const y1 = Float32Array.from(rmsNorm(x, w1, 1e-6));
    const expected = rmsNorm(y1, w2, 1e-5);
    after.forEach((v, i) => {
      expect(Math.abs(v - expected[i])).toBeLessThan(1e-5);
      expect(Math.abs(v - before[i])).toBeLessThan(1e-5);
    });
  });
});

describe('empty KV cache concatenation', () => {
  it('readers take the new keys directly, the past input leaves the graph, and the result is the one an empty past gave', async () => {
    const keys = sampler.fill(2 * 4 * 2, 0, 1);
    const graph = onnx.GraphProto.create({
      name: 'past',
      node: [
        node('Concat', ['past_key_values.0.key', 'k'], ['present.0.key'], { axis: 2 }),
        node('ReduceSum', ['present.0.key', 'axes'], ['y'], { keepdims: 0 }),
      ],
      initializer: [int64Tensor('axes', [2])],
      input: [tensorValueInfo('past_key_values.0.key', DataType.FLOAT, [1, 2, 'past', 2]), tensorValueInfo('k', DataType.FLOAT, [1, 2, 4, 2])],
      output: [tensorValueInfo('y', DataType.FLOAT, [1, 2, 2])],
    });
    const k = new ort.Tensor('float32', keys, [1, 2, 4, 2]);
    const withPast = await run(graph, { 'past_key_values.0.key': new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 2]), k });
    expect(dropEmptyPastConcats(graph)).toBe(1);
    expect(graph.input!.map((i) => i.name)).toEqual(['k']);
    expect(graph.node!.map((n) => n.opType)).toEqual(['ReduceSum']);
    expect(Array.from(await run(graph, { k }))).toEqual(Array.from(withPast));
  });
});
