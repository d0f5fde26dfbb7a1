// Fused Adam / AdamW update (Kingma & Ba, 2015; Loshchilov & Hutter, 2019, decoupled weight decay) with
// PyTorch's semantics: eps is added to sqrt(v) / sqrt(1 - beta2^t). On the ORT backend each parameter takes one
// 'VlpAdam' kernel call (one ORT graph, or a JS loop for small tensors) producing the new parameter and moments;
// on any other backend the same update runs as tfjs ops.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { Feed } from '../_runner.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { callKernel } from './_kernel.js';

export const ADAM = 'VlpAdam';

/** Hyper-parameters of {@link FusedAdam}; defaults are PyTorch's. */
export interface FusedAdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW): p <- p (1 - lr wd) before the Adam step. Default 0 (plain Adam). */
  weightDecay?: number;
}

/** Per-step scalars, in the order the ORT graph takes them. */
const SCALARS = ['decay', 'b1', 'omb1', 'b2', 'omb2', 'isbc2', 'eps', 'lrt'] as const;

function adamJs(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: number[]) {
  const [decay, b1, omb1, b2, omb2, isbc2, eps, lrt] = s as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const np = new Float32Array(p.length);
  const nm = new Float32Array(p.length);
  const nv = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + omb1 * gi;
    const vi = b2 * v[i]! + omb2 * gi * gi;
    nm[i] = mi;
    nv[i] = vi;
    np[i] = p[i]! * decay - (lrt * mi) / (Math.sqrt(vi) * isbc2 + eps);
  }
  return [np, nm, nv];
}

export const adamKernels: OrtKernelDef[] = [
  {
    kernelName: ADAM,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { param, grad, m, v } = inputs;
      const scalars = SCALARS.map((k) => Number(attrs[k]));
      const feeds = backend.feeds([param!, grad!, m!, v!]);
      if (!feeds) throw new Error(`${ADAM}: parameters, gradients and moments must be float32`);
      const shape = param!.shape;
      if (!backend.worthIt(shape)) {
        const [p, g, mm, vv] = feeds.map((f) => f.data as Float32Array) as [
          Float32Array,
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        return adamJs(p, g, mm, vv, scalars).map((a) => backend.makeTensorInfo([...shape], 'float32', a));
      }
      const scalarFeeds: Feed[] = scalars.map((s) => ({ data: new Float32Array([s]), shape: [] }));
      const rank = shape.length;
      return backend.runGraph(
        `${ADAM}:${rank}`,
        (): GraphSpec => ({
          inputs: [
            ...['p', 'g', 'm', 'v'].map((name) => ({ name, rank })),
            ...SCALARS.map((name) => ({ name, rank: 0 })),
          ],
          outputs: [
            { name: 'p_new', rank },
            { name: 'm_new', rank },
            { name: 'v_new', rank },
          ],
          nodes: [
            { op: 'Mul', inputs: ['m', 'b1'], outputs: ['m1'] },
            { op: 'Mul', inputs: ['g', 'omb1'], outputs: ['g1'] },
            { op: 'Add', inputs: ['m1', 'g1'], outputs: ['m_new'] },
            { op: 'Mul', inputs: ['g', 'g'], outputs: ['gg'] },
            { op: 'Mul', inputs: ['gg', 'omb2'], outputs: ['gg2'] },
            { op: 'Mul', inputs: ['v', 'b2'], outputs: ['v1'] },
            { op: 'Add', inputs: ['v1', 'gg2'], outputs: ['v_new'] },
            { op: 'Sqrt', inputs: ['v_new'], outputs: ['sv'] },
            { op: 'Mul', inputs: ['sv', 'isbc2'], outputs: ['svc'] },
            { op: 'Add', inputs: ['svc', 'eps'], outputs: ['den'] },
            { op: 'Div', inputs: ['m_new', 'den'], outputs: ['r'] },
            { op: 'Mul', inputs: ['r', 'lrt'], outputs: ['upd'] },
            { op: 'Mul', inputs: ['p', 'decay'], outputs: ['pd'] },
            { op: 'Sub', inputs: ['pd', 'upd'], outputs: ['p_new'] },
          ],
        }),
        [...feeds, ...scalarFeeds],
        [{ shape }, { shape }, { shape }],
      );
    },
  },
];

/** One Adam/AdamW update's hyper-parameters; `step` counts from 1, `weightDecay` 0 means plain Adam. */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  step: number;
}

/**
 * One Adam/AdamW update of `param` (PyTorch's semantics, decoupled weight decay): returns the new parameter
 * and moments as new tensors (the caller assigns them and disposes the old ones). One fused kernel call where
 * the backend has it ('vlp-ort'), tfjs ops elsewhere.
 *
 * @example
 * ```ts
 * const [p, m1, v1] = adamStep(w, g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.02, step: 1 });
 * ```
 */
export function adamStep(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  h: AdamStep,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const { beta1: b1, beta2: b2 } = h;
  const attrs = {
    decay: 1 - h.lr * h.weightDecay,
    b1,
    omb1: 1 - b1,
    b2,
    omb2: 1 - b2,
    isbc2: 1 / Math.sqrt(1 - b2 ** h.step),
    eps: h.epsilon,
    lrt: h.lr / (1 - b1 ** h.step),
  };
  if (param.dtype === 'float32' && tf.getKernel(ADAM, tf.getBackend()) !== undefined) {
    const [p1, m1, v1] = callKernel(ADAM, { param, grad, m, v }, attrs);
    return [p1!, m1!, v1!];
  }
  return tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, b1), tf.mul(grad, 1 - b1));
    const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(grad), 1 - b2));
    const den = tf.add(tf.mul(tf.sqrt(v1), attrs.isbc2), attrs.eps);
    const p1 = tf.sub(tf.mul(param, attrs.decay), tf.mul(tf.div(m1, den), attrs.lrt));
    return [p1, m1, v1];
  });
}

interface Slot {
  m: tf.Tensor;
  v: tf.Tensor;
}

/**
 * Adam/AdamW that updates each parameter with one fused kernel where the backend has one ('vlp-ort'), and with
 * tfjs ops elsewhere. Takes the gradient map of `tf.variableGrads` (keyed by variable name).
 *
 * @example
 * ```ts
 * const opt = new FusedAdam({ learningRate: 1e-3 });
 * const { value, grads } = tf.variableGrads(() => loss());
 * opt.applyGradients(grads);
 * tf.dispose([value, grads]);
 * ```
 */
export class FusedAdam {
  private readonly slots = new Map<string, Slot>();
  private t = 0;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  learningRate: number;

  constructor(options: FusedAdamOptions) {
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  /** Steps taken so far. */
  get step(): number {
    return this.t;
  }

  /** Applies one update to every variable named in `grads` (the caller still owns and disposes `grads`). */
  applyGradients(grads: tf.NamedTensorMap): void {
    this.t++;
    const h: AdamStep = {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      step: this.t,
    };
    for (const [name, g] of Object.entries(grads)) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`FusedAdam: no variable named "${name}"`);
      let slot = this.slots.get(name);
      if (!slot) {
        slot = { m: tf.keep(tf.zerosLike(variable)), v: tf.keep(tf.zerosLike(variable)) };
        this.slots.set(name, slot);
      }
      const [p, m, v] = adamStep(variable, g, slot.m, slot.v, h);
      variable.assign(p);
      p.dispose();
      slot.m.dispose();
      slot.v.dispose();
      slot.m = tf.keep(m);
      slot.v = tf.keep(v);
    }
  }

  /** Frees the moment estimates. */
  dispose(): void {
    for (const s of this.slots.values()) tf.dispose([s.m, s.v]);
    this.slots.clear();
  }
}
