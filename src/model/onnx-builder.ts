import { onnx, DataType, type NodeProto, type TensorProto, type ValueInfoProto, type AttributeProto } from './onnx-proto.ts';

/** Small constructors for ONNX protobuf records, shared by the graph rewrite and the fixture generator. */

type AttributeValue = number | number[] | string | TensorProto;

function attribute(name: string, value: AttributeValue): AttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Object.is(value, -0)
      ? { name, type: A.INT, i: value }
      : { name, type: A.FLOAT, f: value };
  }
  return { name, type: A.TENSOR, t: value };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttributeValue> = {},
  options: { name?: string; domain?: string } = {},
): NodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: options.name ?? outputs[0],
    domain: options.domain ?? '',
    attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
  };
}

export function tensorValueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function int64Tensor(name: string, values: number[], dims: number[] = [values.length]): TensorProto {
  return { name, dataType: DataType.INT64, dims, int64Data: values };
}

