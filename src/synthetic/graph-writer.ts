import { DataType, type NodeProto, type TensorProto, type ValueInfoProto } from '../model/onnx-proto.ts';
import { node, int64Tensor } from '../model/onnx-builder.ts';
import { float32ArrayToFloat16 } from '../embedding/fp16.ts';
import { ExternalDataLayout } from '../model/tensor-data.ts';

/** Accumulates nodes and initializers, naming intermediate tensors the way torch.onnx exports do. */
export class GraphWriter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly weights: { name: string; values: Float32Array; dims: number[] }[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();

  constructor(readonly dtype: 'float32' | 'float16') {}

  get elemType(): number {
    return this.dtype === 'float16' ? DataType.FLOAT16 : DataType.FLOAT;
  }

  /** Adds a node and returns its (first) output name, `${scope}/${op}_${n}_output_0`. */
  op(scope: string, opType: string, inputs: string[], attributes: Parameters<typeof node>[3] = {}): string {
    return this.opMulti(scope, opType, inputs, 1, attributes)[0];
  }

  opMulti(scope: string, opType: string, inputs: string[], outputs: number, attributes: Parameters<typeof node>[3] = {}): string[] {
    const base = `${scope}/${opType}_${this.counter++}`;
    const names = Array.from({ length: outputs }, (_, i) => `${base}_output_${i}`);
    this.nodes.push(node(opType, inputs, names, attributes, { name: base }));
    return names;
  }

  /** Adds a node whose output must carry a given name (graph outputs such as logits, present.*). */
  named(opType: string, inputs: string[], output: string, attributes: Parameters<typeof node>[3] = {}): string {
    this.nodes.push(node(opType, inputs, [output], attributes, { name: `/${output}` }));
    return output;
  }

  int64(values: number[], scalar = false): string {
    const key = `i64:${scalar}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `/constants/int64_${this.constants.size}`;
      this.initializers.push(int64Tensor(name, values, scalar ? [] : [values.length]));
      this.constants.set(key, name);
    }
    return name;
  }

  /** A scalar in the model's float type. */
  float(value: number): string {
    const key = `f:${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `/constants/float_${this.constants.size}`;
      this.addWeight(name, Float32Array.of(value), []);
      this.constants.set(key, name);
    }
    return name;
  }

  /** Registers a weight in the model's float type; it becomes an initializer (inline or external). */
  addWeight(name: string, values: Float32Array, dims: number[]): string {
    this.weights.push({ name, values, dims });
    return name;
  }

  /** Encodes the weights: small ones inline, the rest appended to an external data buffer. */
  finishWeights(external: { file: string; threshold: number } | undefined): { initializers: TensorProto[]; data: Uint8Array[] } {
    const layout = new ExternalDataLayout(external?.file ?? '');
    const initializers = this.weights.map(({ name, values, dims }) => {
      const bytes =
        this.dtype === 'float16'
          ? Buffer.from(float32ArrayToFloat16(values).buffer)
          : Buffer.from(values.buffer, values.byteOffset, values.byteLength);
      const tensor: TensorProto = { name, dims, dataType: this.elemType, rawData: bytes };
      if (external && bytes.length >= external.threshold) layout.place(tensor, bytes);
      return tensor;
    });
    return { initializers: [...this.initializers, ...initializers], data: layout.chunks };
  }
}

export type { ValueInfoProto };
