// Broadcasting binary ops and unary float ops on ORT. float32 only; int32/bool and small tensors stay on the cpu
// kernels (the body returns null).
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec, NodeSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';

/** tfjs binary kernel name -> the ONNX nodes computing y from a and b. */
const BINARY: Record<string, (a: string, b: string, y: string) => NodeSpec[]> = {
  [tf.Add]: (a, b, y) => [{ op: 'Add', inputs: [a, b], outputs: [y] }],
  [tf.Sub]: (a, b, y) => [{ op: 'Sub', inputs: [a, b], outputs: [y] }],
  [tf.Multiply]: (a, b, y) => [{ op: 'Mul', inputs: [a, b], outputs: [y] }],
  [tf.RealDiv]: (a, b, y) => [{ op: 'Div', inputs: [a, b], outputs: [y] }],
  [tf.Maximum]: (a, b, y) => [{ op: 'Max', inputs: [a, b], outputs: [y] }],
  [tf.Minimum]: (a, b, y) => [{ op: 'Min', inputs: [a, b], outputs: [y] }],
  [tf.SquaredDifference]: (a, b, y) => [
    { op: 'Sub', inputs: [a, b], outputs: ['d'] },
    { op: 'Mul', inputs: ['d', 'd'], outputs: [y] },
  ],
};

/** tfjs unary kernel name -> the ONNX nodes computing y from x. */
const UNARY: Record<string, (x: string, y: string) => NodeSpec[]> = {
  [tf.Tanh]: (x, y) => [{ op: 'Tanh', inputs: [x], outputs: [y] }],
  [tf.Exp]: (x, y) => [{ op: 'Exp', inputs: [x], outputs: [y] }],
  [tf.Log]: (x, y) => [{ op: 'Log', inputs: [x], outputs: [y] }],
  [tf.Sqrt]: (x, y) => [{ op: 'Sqrt', inputs: [x], outputs: [y] }],
  [tf.Rsqrt]: (x, y) => [
    { op: 'Sqrt', inputs: [x], outputs: ['s'] },
    { op: 'Reciprocal', inputs: ['s'], outputs: [y] },
  ],
  [tf.Square]: (x, y) => [{ op: 'Mul', inputs: [x, x], outputs: [y] }],
  [tf.Neg]: (x, y) => [{ op: 'Neg', inputs: [x], outputs: [y] }],
  [tf.Abs]: (x, y) => [{ op: 'Abs', inputs: [x], outputs: [y] }],
  [tf.Relu]: (x, y) => [{ op: 'Relu', inputs: [x], outputs: [y] }],
  [tf.Sigmoid]: (x, y) => [{ op: 'Sigmoid', inputs: [x], outputs: [y] }],
  [tf.Erf]: (x, y) => [{ op: 'Erf', inputs: [x], outputs: [y] }],
  [tf.Reciprocal]: (x, y) => [{ op: 'Reciprocal', inputs: [x], outputs: [y] }],
};

function binary(name: string, nodes: (a: string, b: string, y: string) => NodeSpec[]): OrtKernelDef {
  return {
    kernelName: name,
    body: (inputs, backend: OrtBackend) => {
      const a = inputs.a!;
      const b = inputs.b!;
      const feeds = backend.feeds([a, b]);
      if (!feeds) return null;
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (!backend.worthIt(out)) return null;
      const key = `${name}:${a.shape.length}:${b.shape.length}`;
      return backend.runGraph(
        key,
        (): GraphSpec => ({
          inputs: [
            { name: 'a', rank: a.shape.length },
            { name: 'b', rank: b.shape.length },
          ],
          outputs: [{ name: 'y', rank: out.length }],
          nodes: nodes('a', 'b', 'y'),
        }),
        feeds,
        [{ shape: out }],
      )[0]!;
    },
  };
}

function unary(name: string, nodes: (x: string, y: string) => NodeSpec[]): OrtKernelDef {
  return {
    kernelName: name,
    body: (inputs, backend: OrtBackend) => {
      const x = inputs.x!;
      const feeds = backend.feeds([x]);
      if (!feeds || !backend.worthIt(x.shape)) return null;
      return backend.runGraph(
        `${name}:${x.shape.length}`,
        (): GraphSpec => ({
          inputs: [{ name: 'x', rank: x.shape.length }],
          outputs: [{ name: 'y', rank: x.shape.length }],
          nodes: nodes('x', 'y'),
        }),
        feeds,
        [{ shape: x.shape }],
      )[0]!;
    },
  };
}

/** Step (relu's gradient mask): x > 0 ? 1 : alpha, NaN stays NaN, as the cpu kernel. */
const step: OrtKernelDef = {
  kernelName: tf.Step,
  body: (inputs, backend: OrtBackend, attrs) => {
    const x = inputs.x!;
    const alpha = Number(attrs.alpha ?? 0);
    const feeds = backend.feeds([x]);
    if (!feeds || !backend.worthIt(x.shape)) return null;
    return backend.runGraph(
      `Step:${x.shape.length}:${alpha}`,
      (): GraphSpec => ({
        inputs: [{ name: 'x', rank: x.shape.length }],
        outputs: [{ name: 'y', rank: x.shape.length }],
        nodes: [
          { op: 'Greater', inputs: ['x', 'zero'], outputs: ['pos'] },
          { op: 'Where', inputs: ['pos', 'one', 'alpha'], outputs: ['s'] },
          { op: 'IsNaN', inputs: ['x'], outputs: ['nan'] },
          { op: 'Where', inputs: ['nan', 'x', 's'], outputs: ['y'] },
        ],
        consts: [
          { name: 'zero', dims: [], dtype: 'float32', values: [0] },
          { name: 'one', dims: [], dtype: 'float32', values: [1] },
          { name: 'alpha', dims: [], dtype: 'float32', values: [alpha] },
        ],
      }),
      feeds,
      [{ shape: x.shape }],
    )[0]!;
  },
};

export const elementwiseKernels: OrtKernelDef[] = [
  ...Object.entries(BINARY).map(([n, f]) => binary(n, f)),
  ...Object.entries(UNARY).map(([n, f]) => unary(n, f)),
  step,
];
