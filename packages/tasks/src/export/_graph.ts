// A small ONNX graph builder for exporting whole towers: named initializers taken from a module's state dict
// (stored as little-endian raw_data, which onnx-proto serialises), nodes with fresh output names, and a
// ModelProto with a symbolic batch (and sequence) dimension. Everything is encoded by onnx-proto's
// protobuf classes, never by hand.
import type * as tf from '@tensorflow/tfjs-core';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX TensorProto element types used by the exporters. */
export const _ELEM = { float32: 1, int64: 7 } as const;

/** An attribute value: an int, a float, ints or a string. */
export type _Attr = { i: number } | { f: number } | { ints: number[] } | { s: string };

/** A graph input or output: a name, an element type and dims (numbers or symbolic names). */
export interface _ValueSpec {
  name: string;
  dtype: keyof typeof _ELEM;
  dims: Array<number | string>;
}

const AT = onnx.AttributeProto.AttributeType;

function _attr(name: string, a: _Attr): onnxProto.onnx.IAttributeProto {
  if ('i' in a) return { name, type: AT.INT, i: a.i };
  if ('f' in a) return { name, type: AT.FLOAT, f: a.f };
  if ('ints' in a) return { name, type: AT.INTS, ints: a.ints };
  return { name, type: AT.STRING, s: new TextEncoder().encode(a.s) };
}

function _valueInfo(v: _ValueSpec): onnxProto.onnx.IValueInfoProto {
  const dim = v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: _ELEM[v.dtype], shape: { dim } } } };
}

/**
 * Accumulates nodes and initializers. Initializers read from the module's state dict are named by their
 * dotted state-dict key (`encoder.blocks.0.attn.qkv.weight`), so an exported file can be inspected and
 * compared against a checkpoint by name.
 */
export class _GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private readonly initNames = new Set<string>();
  private readonly names: Map<tf.Tensor, string>;
  private counter = 0;

  /** `stateDict` names the variables handed to {@link _GraphBuilder.param}. */
  constructor(
    stateDict: Record<string, tf.Tensor>,
    readonly opset: number,
  ) {
    this.names = new Map(Object.entries(stateDict).map(([k, v]) => [v, k]));
  }

  /** Dotted state-dict name of a variable (throws for a tensor that is not in the state dict). */
  nameOf(t: tf.Tensor): string {
    const n = this.names.get(t);
    if (n === undefined) throw new Error(`export: tensor [${t.shape}] is not in the module's state dict`);
    return n;
  }

  /** Adds a float32 initializer (once per name) and returns its name. */
  floats(name: string, dims: readonly number[], values: Float32Array): string {
    if (this.initNames.has(name)) return name;
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`export: ${name} has ${values.length} values for [${dims}]`);
    const copy = new Float32Array(values); // own, aligned bytes
    const rawData = new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
    this.inits.push({ name, dims: [...dims], dataType: _ELEM.float32, rawData });
    this.initNames.add(name);
    return name;
  }

  /** Adds an int64 initializer (shapes, axes, indices) under a fresh name. */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = `const_${this.counter++}`;
    this.inits.push({ name, dims: [...dims], dataType: _ELEM.int64, int64Data: [...values] });
    this.initNames.add(name);
    return name;
  }

  /** A float32 constant (a scalar unless dims are given) under a fresh name. */
  scalar(value: number, dims: readonly number[] = []): string {
    return this.floats(`const_${this.counter++}`, dims, new Float32Array([value]));
  }

  /** A module variable as an initializer, named by its state-dict key, values as stored. */
  param(v: tf.Tensor): string {
    return this.floats(this.nameOf(v), v.shape, v.dataSync() as Float32Array);
  }

  /** Appends a node with one output (a fresh name, or `output` when given) and returns that name. */
  op(opType: string, inputs: string[], attrs: Record<string, _Attr> = {}, output?: string): string {
    const out = output ?? `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({
      name: `${opType}_${this.nodes.length}`,
      opType,
      domain: '',
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, a]) => _attr(k, a)),
    });
    return out;
  }

  /** Renames a value to a graph output name with an Identity node. */
  output(value: string, name: string): string {
    return this.op('Identity', [value], {}, name);
  }

  /** Serialises the graph as ModelProto bytes (IR 8, the default domain at `opset`). */
  build(graphName: string, inputs: _ValueSpec[], outputs: _ValueSpec[], docString = ''): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: '@vlp/tasks export',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: graphName,
        node: this.nodes,
        input: inputs.map(_valueInfo),
        output: outputs.map(_valueInfo),
        initializer: this.inits,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
