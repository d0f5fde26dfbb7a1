// Embedding-style gathers on ORT: GatherV2 (rows of a table; batchDims 0) and its gradient's ScatterNd (ONNX
// ScatterND with reduction 'add' over a zero tensor, so duplicate ids sum as in tfjs). Indices are checked in JS
// first: out-of-range ids go to the cpu kernels, which raise tfjs's own errors.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';

function int32Values(backend: OrtBackend, t: tf.TensorInfo): Int32Array | undefined {
  if (t.dtype !== 'int32') return undefined;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Int32Array ? v : undefined;
}

function allBelow(ids: Int32Array, n: number): boolean {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= n) return false;
  }
  return true;
}

const gather: OrtKernelDef = {
  kernelName: tf.GatherV2,
  body: (inputs, backend: OrtBackend, attrs) => {
    const { x, indices } = inputs;
    if (Number(attrs.batchDims ?? 0) !== 0) return null;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x!.shape)[0]!;
    const ids = int32Values(backend, indices!);
    const table = backend.f32(x!);
    const out = [...x!.shape.slice(0, axis), ...indices!.shape, ...x!.shape.slice(axis + 1)];
    if (!ids || !table || !backend.worthIt(out) || !allBelow(ids, x!.shape[axis]!)) return null;
    const rx = x!.shape.length;
    const ri = indices!.shape.length;
    return backend.runGraph(
      `GatherV2:${rx}:${ri}:${axis}`,
      (): GraphSpec => ({
        inputs: [
          { name: 'x', rank: rx },
          { name: 'i', rank: ri, dtype: 'int32' },
        ],
        outputs: [{ name: 'y', rank: out.length }],
        nodes: [{ op: 'Gather', inputs: ['x', 'i'], outputs: ['y'], attrs: { axis: { i: axis } } }],
      }),
      [
        { data: table, shape: x!.shape },
        { data: ids, shape: indices!.shape },
      ],
      [{ shape: out }],
    )[0]!;
  },
};

const scatterNd: OrtKernelDef = {
  kernelName: tf.ScatterNd,
  body: (inputs, backend: OrtBackend, attrs) => {
    const { indices, updates } = inputs;
    const shape = (attrs.shape as number[]).map(Number);
    const ids = int32Values(backend, indices!);
    const upd = backend.f32(updates!);
    const depth = indices!.shape[indices!.shape.length - 1] ?? 0;
    if (!ids || !upd || depth !== 1 || !backend.worthIt(updates!.shape) || !allBelow(ids, shape[0]!))
      return null;
    const ri = indices!.shape.length;
    const ru = updates!.shape.length;
    return backend.runGraph(
      `ScatterNd:${ri}:${ru}:${shape.join(',')}`,
      (): GraphSpec => ({
        inputs: [
          { name: 'i', rank: ri, dtype: 'int32' },
          { name: 'u', rank: ru },
        ],
        outputs: [{ name: 'y', rank: shape.length }],
        nodes: [
          { op: 'Cast', inputs: ['i'], outputs: ['i64'], attrs: { to: { i: 7 } } },
          { op: 'ConstantOfShape', inputs: ['shape'], outputs: ['zeros'], attrs: {} },
          {
            op: 'ScatterND',
            inputs: ['zeros', 'i64', 'u'],
            outputs: ['y'],
            attrs: { reduction: { s: 'add' } },
          },
        ],
        consts: [{ name: 'shape', dims: [shape.length], dtype: 'int64', values: shape }],
      }),
      [
        { data: ids, shape: indices!.shape },
        { data: upd, shape: updates!.shape },
      ],
      [{ shape }],
    )[0]!;
  },
};

export const gatherKernels: OrtKernelDef[] = [gather, scatterNd];
