// Data-movement kernels whose tfjs-cpu versions walk strided indices in JS (hundreds of ms for a [64, 65, 576]
// split on the last axis; ~170 ms for one [64, 32, 32, 16] PadV2): SplitV, strided Slice, Concat and PadV2 as
// ONNX Split / Slice / Concat / Pad.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';

const splitV: OrtKernelDef = {
  kernelName: tf.SplitV,
  body: (inputs, backend: OrtBackend, attrs) => {
    const x = inputs.x!;
    const rank = x.shape.length;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(
      x as tf.Tensor,
      attrs.numOrSizeSplits as number | number[],
      axis,
    );
    const feeds = backend.feeds([x]);
    if (!feeds || !backend.worthIt(x.shape) || sizes.some((s) => s === 0)) return null;
    const outs = sizes.map((s) => x.shape.map((d, i) => (i === axis ? s : d)));
    return backend.runGraph(
      `SplitV:${rank}:${axis}:${sizes.join(',')}`,
      (): GraphSpec => ({
        inputs: [{ name: 'x', rank }],
        outputs: sizes.map((_, i) => ({ name: `y${i}`, rank })),
        nodes: [
          {
            op: 'Split',
            inputs: ['x', 'split'],
            outputs: sizes.map((_, i) => `y${i}`),
            attrs: { axis: { i: axis } },
          },
        ],
        consts: [{ name: 'split', dims: [sizes.length], dtype: 'int64', values: sizes }],
      }),
      feeds,
      outs.map((shape) => ({ shape })),
    );
  },
};

const slice: OrtKernelDef = {
  kernelName: tf.Slice,
  body: (inputs, backend: OrtBackend, attrs) => {
    const x = inputs.x!;
    const rank = x.shape.length;
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as tf.Tensor,
      attrs.begin as number[],
      attrs.size as number[],
    ) as [number[], number[]];
    // Contiguous slices are free on the cpu kernel (a subarray view).
    if (tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
    const feeds = backend.feeds([x]);
    if (!feeds || !backend.worthIt(size) || size.some((s) => s === 0)) return null;
    const ends = begin.map((b, i) => b + size[i]!);
    const axes = begin.map((_, i) => i);
    return backend.runGraph(
      `Slice:${rank}:${begin.join(',')}:${ends.join(',')}`,
      (): GraphSpec => ({
        inputs: [{ name: 'x', rank }],
        outputs: [{ name: 'y', rank }],
        nodes: [{ op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes'], outputs: ['y'] }],
        consts: [
          { name: 'starts', dims: [rank], dtype: 'int64', values: begin },
          { name: 'ends', dims: [rank], dtype: 'int64', values: ends },
          { name: 'axes', dims: [rank], dtype: 'int64', values: axes },
        ],
      }),
      feeds,
      [{ shape: size }],
    )[0]!;
  },
};

const concat: OrtKernelDef = {
  kernelName: tf.Concat,
  body: (inputs, backend: OrtBackend, attrs) => {
    const xs = Object.values(inputs).filter((t): t is tf.TensorInfo => t !== undefined);
    const first = xs[0];
    if (!first || xs.length < 2 || xs.some((t) => tf.util.sizeFromShape(t.shape) === 0)) return null;
    const rank = first.shape.length;
    const axis = tf.util.parseAxisParam(attrs.axis as number, first.shape)[0]!;
    const feeds = backend.feeds(xs);
    if (!feeds) return null;
    const out = first.shape.map((d, i) => (i === axis ? xs.reduce((s, t) => s + t.shape[i]!, 0) : d));
    if (!backend.worthIt(out)) return null;
    return backend.runGraph(
      `Concat:${rank}:${axis}:${xs.length}`,
      (): GraphSpec => ({
        inputs: xs.map((_, i) => ({ name: `x${i}`, rank })),
        outputs: [{ name: 'y', rank }],
        nodes: [
          { op: 'Concat', inputs: xs.map((_, i) => `x${i}`), outputs: ['y'], attrs: { axis: { i: axis } } },
        ],
      }),
      feeds,
      [{ shape: out }],
    )[0]!;
  },
};

const padV2: OrtKernelDef = {
  kernelName: tf.PadV2,
  body: (inputs, backend: OrtBackend, attrs) => {
    const x = inputs.x!;
    const rank = x.shape.length;
    const paddings = attrs.paddings as Array<[number, number]>;
    const value = Number(attrs.constantValue ?? 0);
    const feeds = backend.feeds([x]);
    if (!feeds || rank === 0 || x.shape.includes(0) || paddings.flat().some((p) => p < 0)) return null;
    const out = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    if (!backend.worthIt(out)) return null;
    // ONNX pads: every axis's begin, then every axis's end.
    const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
    return backend.runGraph(
      `PadV2:${rank}:${pads.join(',')}:${value}`,
      (): GraphSpec => ({
        inputs: [{ name: 'x', rank }],
        outputs: [{ name: 'y', rank }],
        nodes: [
          { op: 'Pad', inputs: ['x', 'pads', 'value'], outputs: ['y'], attrs: { mode: { s: 'constant' } } },
        ],
        consts: [
          { name: 'pads', dims: [pads.length], dtype: 'int64', values: pads },
          { name: 'value', dims: [], dtype: 'float32', values: [value] },
        ],
      }),
      feeds,
      [{ shape: out }],
    )[0]!;
  },
};

export const shapeKernels: OrtKernelDef[] = [splitV, slice, concat, padV2];
