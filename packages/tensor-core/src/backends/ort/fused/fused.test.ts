import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d } from '../../../nn/norm.js';
import { geluTanh } from '../../../ops/activations.js';
import { scaledDotProductAttention } from '../../../ops/attention.js';
import { conv2d } from '../../../ops/conv.js';
import { layerNorm } from '../../../ops/layer-norm.js';
import { linear } from '../../../ops/linear.js';
import { maxRelErr, runOn, seeded, setUpOrt } from '../_test-utils.js';
import type { OrtBackend } from '../backend.js';
import { ORT_TFJS_NAME } from '../register.js';
import { FusedAdam } from './adam.js';

let backend: OrtBackend;
beforeAll(async () => {
  backend = await setUpOrt();
});

const t = (shape: number[], seed: number, scale = 1) =>
  tf.tensor(
    seeded(
      shape.reduce((p, q) => p * q, 1),
      seed,
    ).map((v) => v * scale),
    shape,
  );

/** Values of fn on cpu vs ort, and that ort really ran `kernel`. */
function compare(kernel: string, fn: () => tf.Tensor | tf.Tensor[], tol = 1e-5): void {
  const want = runOn('cpu', fn);
  const got = runOn(ORT_TFJS_NAME, fn);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.shape).toEqual(want[i]!.shape);
    expect(maxRelErr(g.values, want[i]!.values)).toBeLessThan(tol);
  });
  expect(tf.getKernel(kernel, ORT_TFJS_NAME)).toBeDefined();
}

/** fn's value and the gradients of sum(fn * r) (a fixed random cotangent) w.r.t. every input. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: () => tf.Tensor[]): () => tf.Tensor[] {
  return () => {
    const xs = inputs();
    const y = f(...xs);
    const r = t(y.shape, 99);
    const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs);
    return [y, ...g];
  };
}

describe('fused kernels on vlp-ort match the tfjs composites on cpu', () => {
  for (const rank of [2, 3, 4]) {
    it(`VlpLayerNorm rank ${rank}: values and dx, dgamma, dbeta`, () => {
      const shape = [2, 3, 4, 24].slice(4 - rank);
      compare(
        'VlpLayerNorm',
        withGrads(
          (x, g, b) => layerNorm(x, g, b, 1e-5),
          () => [t(shape, 1, 3), tf.add(t([24], 2, 0.5), 1), t([24], 3)],
        ),
      );
    });
    it(`VlpGeluTanh rank ${rank}`, () => {
      const shape = [2, 3, 4, 40].slice(4 - rank);
      compare(
        'VlpGeluTanh',
        withGrads(geluTanh, () => [t(shape, 4, 4)]),
      );
    });
    it(`VlpLinear rank ${rank}, with and without bias`, () => {
      const shape = [2, 3, 5, 16].slice(4 - rank);
      compare(
        'VlpLinear',
        withGrads(linear, () => [t(shape, 5), t([16, 12], 6), t([12], 7)]),
      );
      compare(
        'VlpLinear',
        withGrads(
          (x, w) => linear(x, w),
          () => [t(shape, 5), t([16, 12], 6)],
        ),
      );
    });
  }
  it('VlpScaledDotProductAttention without mask, q/k/v gradients', () => {
    compare(
      'VlpScaledDotProductAttention',
      withGrads(
        (q, k, v) => scaledDotProductAttention(q!, k!, v!),
        () => [t([2, 3, 7, 8], 8), t([2, 3, 9, 8], 9), t([2, 3, 9, 5], 10)],
      ),
    );
  });
  it('VlpScaledDotProductAttention with padding and block keep-masks', () => {
    const pad = () =>
      tf.tensor4d([1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0], [2, 1, 1, 9], 'int32');
    const block = () => tf.cast(tf.greater(t([7, 9], 11), -0.5), 'bool');
    for (const mask of [pad, block]) {
      compare(
        'VlpScaledDotProductAttention',
        withGrads(
          (q, k, v) => scaledDotProductAttention(q, k, v, { mask: mask(), scale: 0.3 }),
          () => [t([2, 3, 7, 8], 8), t([2, 3, 9, 8], 9), t([2, 3, 9, 8], 10)],
        ),
      );
    }
  });
  it('empty tensors fall back to the composites', () => {
    compare('VlpGeluTanh', () => geluTanh(tf.zeros([0, 4])));
    compare('VlpLinear', () => linear(tf.zeros([0, 4]), tf.ones([4, 3]), tf.ones([3])));
  });
});

describe('VlpConv2d / VlpConv2dFilterGrad (the conv2d op and its filter gradient as ORT graphs)', () => {
  const GEOMETRIES: {
    x: number[];
    w: number[];
    stride: [number, number];
    padding: 'same' | 'valid' | number;
  }[] = [
    { x: [2, 8, 8, 3], w: [3, 3, 3, 4], stride: [1, 1], padding: 1 },
    { x: [2, 9, 7, 3], w: [3, 3, 3, 5], stride: [2, 2], padding: 'same' },
    { x: [3, 8, 8, 4], w: [1, 1, 4, 6], stride: [2, 2], padding: 'valid' }, // ResNet downsample shortcut
    { x: [1, 11, 9, 2], w: [3, 2, 2, 3], stride: [2, 3], padding: 'valid' },
    { x: [2, 12, 12, 3], w: [7, 7, 3, 4], stride: [2, 2], padding: 3 }, // ResNet stem
  ];
  for (const c of GEOMETRIES) {
    it(`x [${c.x}] w [${c.w}] stride ${c.stride} pad ${c.padding}: kernel = cpu Conv2DBackpropFilter`, () => {
      // The kernel alone, on a padded input, against tfjs-cpu's own filter-gradient kernel.
      const f = (fused: boolean) => () => {
        // A padded input with extra rows/cols no output position reaches (dW must ignore them).
        const xp = tf.pad(t(c.x, 31), [
          [0, 0],
          [1, 1],
          [0, 2],
          [0, 0],
        ]) as tf.Tensor4D;
        const w = t(c.w, 32) as tf.Tensor4D;
        const dy = t(tf.conv2d(xp, w, c.stride, 'valid').shape, 34) as tf.Tensor4D;
        if (!fused) {
          return tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: xp, dy },
              { strides: c.stride, pad: 'valid', dataFormat: 'NHWC', filterShape: c.w },
            ) as tf.Tensor;
        }
        return tf
          .engine()
          .runKernel(
            'VlpConv2dFilterGrad',
            { x: xp, dy },
            { kernel: c.w.slice(0, 2), strides: c.stride },
          ) as tf.Tensor;
      };
      const want = runOn('cpu', f(false));
      const got = runOn(ORT_TFJS_NAME, f(true));
      expect(got[0]!.shape).toEqual(c.w);
      expect(maxRelErr(got[0]!.values, want[0]!.values)).toBeLessThan(1e-5);
    });
    it(`x [${c.x}] w [${c.w}] stride ${c.stride} pad ${c.padding}: conv2d op (VlpConv2d) values and gradients`, async () => {
      compare(
        'VlpConv2d',
        withGrads(
          (x, w, b) =>
            conv2d(x as tf.Tensor4D, w as tf.Tensor4D, b, {
              stride: c.stride,
              padding: c.padding,
              dilation: [1, 1],
            }),
          () => [t(c.x, 35), t(c.w, 36), t([c.w[3]!], 37)],
        ),
      );
    });
  }
  it('conv2d runs VlpConv2d and VlpConv2dGrad on ORT, padding inside the graphs', async () => {
    const info = await tf.profile(() => {
      const g = withGrads(
        (x, w) =>
          conv2d(x as tf.Tensor4D, w as tf.Tensor4D, undefined, {
            stride: [2, 2],
            padding: 1,
            dilation: [1, 1],
          }),
        () => [t([2, 8, 8, 3], 38), t([3, 3, 3, 4], 39)],
      )();
      tf.dispose(g);
    });
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((k) => k === 'VlpConv2d').length).toBe(2); // withGrads: the value, then the grads
    expect(names.filter((k) => k === 'VlpConv2dGrad').length).toBe(2); // dx and dW, one graph each
    expect(names).not.toContain('PadV2');
  });
  it('runs only the dW graph when the input needs no gradient (a stem conv on pixels)', async () => {
    const x = t([2, 8, 8, 3], 40);
    const w = tf.variable(t([3, 3, 3, 4], 41));
    const geometry = { stride: [1, 1] as [number, number], padding: 1, dilation: [1, 1] as [number, number] };
    const loss = () => tf.sum(conv2d(x as tf.Tensor4D, w as tf.Tensor4D, undefined, geometry)) as tf.Scalar;
    let dw: tf.Tensor | undefined;
    const info = await tf.profile(() => {
      dw = tf.variableGrads(loss, [w]).grads[w.name];
    });
    expect(info.kernels.filter((k) => k.name === 'VlpConv2dGrad').length).toBe(1);
    const want = runOn('cpu', () => tf.variableGrads(loss, [w]).grads[w.name]!);
    expect(maxRelErr(Array.from(dw!.dataSync()), want[0]!.values)).toBeLessThan(1e-5);
    tf.dispose([x, w, dw!]);
  });
  it('VlpConv2dGrad rejects a wrt other than x or w', () => {
    const x = tf.zeros([1, 4, 4, 2]);
    const w = tf.zeros([3, 3, 2, 3]);
    const dy = tf.zeros([1, 4, 4, 3]);
    expect(() =>
      tf.engine().runKernel('VlpConv2dGrad', { dy, x, w }, { strides: [1, 1], pads: [1, 1, 1, 1], wrt: 'b' }),
    ).toThrow(/VlpConv2dGrad: attr wrt must be 'x' or 'w', got b/);
    tf.dispose([x, w, dy]);
  });
  it('VlpConv2d rejects bad pads and a kernel larger than the padded input', () => {
    const x = tf.zeros([1, 4, 4, 2]);
    const w = tf.zeros([3, 3, 2, 3]);
    expect(() => tf.engine().runKernel('VlpConv2d', { x, w }, { strides: [1, 1], pads: [1, 1, 1] })).toThrow(
      /VlpConv2d: attr pads must be \[top, bottom, left, right\] >= 0, got 1,1,1/,
    );
    expect(() =>
      tf
        .engine()
        .runKernel('VlpConv2d', { x: tf.zeros([1, 2, 4, 2]), w }, { strides: [1, 1], pads: [0, 0, 0, 0] }),
    ).toThrow(/VlpConv2d: a 3x3 kernel does not fit x \[1,2,4,2\] padded by \[0,0,0,0\]/);
    tf.dispose([x, w]);
  });
  it('rejects a dy the padded input cannot produce', () => {
    expect(() =>
      tf.engine().runKernel(
        'VlpConv2dFilterGrad',
        { x: tf.zeros([1, 4, 4, 2]), dy: tf.zeros([1, 4, 4, 3]) },
        {
          kernel: [3, 3],
          strides: [1, 1],
        },
      ),
    ).toThrow(/VlpConv2dFilterGrad: dy \[1,4,4,3\] needs a padded input larger/);
  });
});

describe('VlpBatchNorm (training-mode batch statistics, one graph each way)', () => {
  /** y + 0.7 mean - 1.3 var (broadcast over rows), so the statistics outputs' gradients are checked too. */
  const bn = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    let y: tf.Tensor;
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (tf.getBackend() === ORT_TFJS_NAME) {
      [y, mean, variance] = tf
        .engine()
        .runKernel('VlpBatchNorm', { x, gamma: g, beta: b }, { eps: 1e-3 }) as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
    } else {
      const axes = [...Array(x.rank - 1).keys()];
      ({ mean, variance } = tf.moments(x, axes));
      y = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3))), g), b);
    }
    return tf.add(y, tf.sub(tf.mul(mean, 0.7), tf.mul(variance, 1.3)));
  };
  for (const shape of [
    [6, 5],
    [2, 4, 3, 5],
    [4, 16, 16, 8], // 1024 rows as 8 wide rows of 128 x 8 (the layout at resnet shapes)
    [3, 7, 5, 6], // 105 rows: wide rows of 105 x 6, and the ones/fold path with an odd divisor
  ]) {
    it(`x [${shape}]: values and dx, dgamma, dbeta against the tfjs composite on cpu`, () => {
      const c = shape[shape.length - 1]!;
      compare(
        'VlpBatchNorm',
        withGrads(bn, () => [tf.add(t(shape, 41, 2), 0.5), tf.add(t([c], 42, 0.5), 1), t([c], 43)]),
      );
    });
  }
  it('BatchNorm2d.forward in train() dispatches to it: output, gradients and running buffers as on cpu', () => {
    const f = () => {
      const bn = new BatchNorm2d(5, { momentum: 0.2, eps: 1e-4 });
      bn.weight.assign(tf.add(t([5], 44, 0.5), 1));
      const x = tf.add(t([3, 4, 2, 5], 45, 3), 1);
      const r = t([3, 4, 2, 5], 46);
      const y = bn.forward(x);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(bn.forward(a), r)))(x);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(bn.forward(x), r)) as tf.Scalar,
        [bn.weight, bn.bias],
      );
      const g = [value, dx, grads[bn.weight.name]!, grads[bn.bias.name]!];
      const out = [y, ...g, tf.clone(bn.runningMean), tf.clone(bn.runningVar)];
      bn.dispose();
      return out;
    };
    compare('VlpBatchNorm', f, 1e-4);
  });
  it('rejects gamma of the wrong width', () => {
    expect(() =>
      tf
        .engine()
        .runKernel('VlpBatchNorm', { x: tf.zeros([2, 3]), gamma: tf.ones([4]), beta: tf.zeros([4]) }, {}),
    ).toThrow(/VlpBatchNorm: x \[2,3\] must be \[\.\.\., C\] with gamma \[C\]/);
  });
});

describe('VlpBatchNormRelu (relu(bn(x) + residual), one graph each way)', () => {
  for (const [shape, residual] of [
    [[2, 4, 3, 5], false],
    [[4, 8, 8, 8], true], // 256 rows as 2 wide rows of 128 x 8
    [[3, 7, 5, 6], true],
  ] as [number[], boolean][]) {
    it(`x [${shape}]${residual ? ' + residual' : ''}: y, running buffers and dx, dresidual, dgamma, dbeta as on cpu`, () => {
      const c = shape[shape.length - 1]!;
      const f = () => {
        const bn = new BatchNorm2d(c, { momentum: 0.2, eps: 1e-4 });
        bn.weight.assign(tf.add(t([c], 51, 0.5), 1));
        bn.bias.assign(t([c], 52, 0.3));
        const x = tf.add(t(shape, 53, 2), 0.5);
        const res = t(shape, 54, 1.5);
        const r = t(shape, 55);
        const fwd = (a: tf.Tensor, b: tf.Tensor) => bn.forwardRelu(a, residual ? b : undefined);
        const y = fwd(x, res);
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fwd(a, b), r));
        // (without a residual, dres is the gradient w.r.t. x again: tf.grads needs every input used)
        const [dx, dres] = residual ? tf.grads(loss)([x, res]) : [tf.grad((a) => loss(a, a))(x), x];
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.mul(fwd(x, res), r)) as tf.Scalar,
          [bn.weight, bn.bias],
        );
        const out = [
          y,
          dx!,
          dres!,
          grads[bn.weight.name]!,
          grads[bn.bias.name]!,
          tf.clone(bn.runningMean),
          tf.clone(bn.runningVar),
        ];
        bn.dispose();
        return out;
      };
      compare('VlpBatchNormRelu', f, 1e-4);
      // Some outputs are clipped (the mask matters) and some are not.
      const y = runOn('cpu', f)[0]!.values;
      expect(y.filter((v) => v === 0).length).toBeGreaterThan(y.length / 10);
      expect(y.filter((v) => v > 0).length).toBeGreaterThan(y.length / 10);
    });
  }
  it('BatchNorm2d.forwardRelu runs the fused kernel forward and backward on ORT', async () => {
    const bn = new BatchNorm2d(3);
    const x = t([2, 4, 4, 3], 56);
    const res = t([2, 4, 4, 3], 57);
    const info = await tf.profile(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(bn.forwardRelu(a, b)))([x, res]);
      tf.dispose(g);
    });
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((k) => k === 'VlpBatchNormRelu').length).toBe(1);
    expect(names.filter((k) => k === 'VlpBatchNormGrad').length).toBe(1);
    expect(names).not.toContain('Relu');
    bn.dispose();
    tf.dispose([x, res]);
  });
  it('rejects a residual of another shape', () => {
    const bn = new BatchNorm2d(3);
    expect(() => bn.forwardRelu(tf.zeros([2, 4, 4, 3]), tf.zeros([2, 4, 3, 3]))).toThrow(
      /BatchNorm2d.forwardRelu: residual \[2,4,3,3\] must have x's shape \[2,4,4,3\]/,
    );
    bn.dispose();
  });
});

describe('FusedAdam', () => {
  it('matches a hand-written PyTorch-style Adam/AdamW over three steps (ORT and JS paths), leaking nothing', () => {
    for (const minOrtSize of [1, 1 << 30]) {
      backend.minOrtSize = minOrtSize;
      for (const weightDecay of [0, 0.1]) {
        const p0 = Array.from(seeded(300, 12));
        const grads = [13, 14, 15].map((s) => Array.from(seeded(300, s)));
        const v = tf.variable(tf.tensor(p0, [30, 10]), true, `adam-test-${minOrtSize}-${weightDecay}`);
        const opt = new FusedAdam({ learningRate: 0.01, weightDecay });
        const before = tf.memory().numTensors;
        for (const g of grads) {
          const gt = tf.tensor(g, [30, 10]);
          opt.applyGradients({ [v.name]: gt });
          gt.dispose();
        }
        expect(tf.memory().numTensors).toBe(before + 2); // the two moment slots
        // Reference in float64.
        const m = new Float64Array(300);
        const s = new Float64Array(300);
        const p = Float64Array.from(p0);
        grads.forEach((g, step) => {
          const t1 = step + 1;
          for (let i = 0; i < 300; i++) {
            p[i]! *= 1 - 0.01 * weightDecay;
            m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
            s[i] = 0.999 * s[i]! + 0.001 * g[i]! * g[i]!;
            const den = Math.sqrt(s[i]!) / Math.sqrt(1 - 0.999 ** t1) + 1e-8;
            p[i]! -= (0.01 / (1 - 0.9 ** t1)) * (m[i]! / den);
          }
        });
        expect(maxRelErr(Array.from(v.dataSync()), Array.from(p))).toBeLessThan(1e-5);
        opt.dispose();
        expect(tf.memory().numTensors).toBe(before);
        v.dispose();
      }
    }
    backend.minOrtSize = 1;
  });
});
