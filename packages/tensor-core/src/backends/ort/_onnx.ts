// Building small ONNX graphs (one per kernel signature) with onnx-proto's protobuf classes.
// Every input and output has symbolic dimensions so one session serves every shape of a given rank.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element type codes we use (onnx.TensorProto.DataType). */
export const ELEM = { float32: 1, int32: 6, int64: 7, bool: 9 } as const;
export type ElemName = keyof typeof ELEM;

/** A typed attribute value: int, float, ints, floats or string. */
export type Attr = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  /** 'com.microsoft' for contrib ops (FusedMatMul), '' (default) for standard ONNX. */
  domain?: string;
  attrs?: Record<string, Attr>;
}

export interface ValueSpec {
  name: string;
  rank: number;
  dtype?: ElemName;
}

export interface ConstSpec {
  name: string;
  dims: number[];
  dtype: 'float32' | 'int64';
  values: number[];
}

export interface GraphSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  consts?: ConstSpec[];
  /**
   * false: the session plans no memory pattern. Without the arena, a pattern is one fresh block per run whose
   * pages fault in again every time; graphs with large intermediates (the CNN kernels) run faster without.
   */
  memPattern?: boolean;
}

/** Default-domain opset: 17 has LayerNormalization; ReduceSum takes axes as an input since 13. */
export const OPSET = 17;

const AT = onnx.AttributeProto.AttributeType;

function attrProto(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  if ('i' in a) return { name, type: AT.INT, i: a.i };
  if ('f' in a) return { name, type: AT.FLOAT, f: a.f };
  if ('ints' in a) return { name, type: AT.INTS, ints: a.ints };
  if ('floats' in a) return { name, type: AT.FLOATS, floats: a.floats };
  return { name, type: AT.STRING, s: new TextEncoder().encode(a.s) };
}

function valueInfo(v: ValueSpec): onnxProto.onnx.IValueInfoProto {
  const dim = Array.from({ length: v.rank }, (_, i) => ({ dimParam: `${v.name}_${i}` }));
  return { name: v.name, type: { tensorType: { elemType: ELEM[v.dtype ?? 'float32'], shape: { dim } } } };
}

function constProto(c: ConstSpec): onnxProto.onnx.ITensorProto {
  if (c.dtype === 'int64') return { name: c.name, dims: c.dims, dataType: ELEM.int64, int64Data: c.values };
  return { name: c.name, dims: c.dims, dataType: ELEM.float32, floatData: c.values };
}

/** Serialises a graph to ModelProto bytes (IR 8, default opset 17 + com.microsoft 1). */
export function buildModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: '@vlp/tensor-core ort backend',
    opsetImport: [
      { domain: '', version: OPSET },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'vlp_kernel',
      node: spec.nodes.map((n, k) => ({
        name: `${n.op}_${k}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([name, a]) => attrProto(name, a)),
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.consts ?? []).map(constProto),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
