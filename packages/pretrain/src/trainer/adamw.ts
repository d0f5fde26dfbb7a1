// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019) written over tf ops so its
// state is plain named tensors for checkpoints, with PyTorch's exact update order:
// p *= 1 - lr * wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
// Biases, norms, embeddings, position tables and temperatures get no decay (a name rule, as ALBEF/BERT).
import * as tf from '@tensorflow/tfjs-core';
import { adamStep } from '@vlp/tensor-core';

/**
 * Options for {@link AdamW}; defaults are ALBEF's (lr 1e-4, weight decay 0.02).
 * @example
 * ```ts
 * const opts: AdamWOptions = { weightDecay: 0.02, betas: [0.9, 0.999], eps: 1e-8 };
 * ```
 */
export interface AdamWOptions {
  weightDecay?: number;
  betas?: [number, number];
  eps?: number;
  /** Which parameters decay; default {@link defaultDecayRule}. */
  decay?: (name: string, variable: tf.Variable) => boolean;
}

const NO_DECAY = /(^|\.)bias$|norm|(^|\.)ln[^.]*\.|embed|(^|\.)pos|temp|cls_token|(^|\.)(beta|gamma)$/i;

/**
 * The default decay rule: decay only parameters of rank >= 2 whose name does not look like a bias, a norm,
 * an embedding, a position table or a temperature.
 * @example
 * ```ts
 * defaultDecayRule('blocks.0.mlp.fc1.weight', w); // true
 * defaultDecayRule('blocks.0.norm1.weight', g);   // false
 * ```
 */
export function defaultDecayRule(name: string, variable: tf.Variable): boolean {
  return variable.rank >= 2 && !NO_DECAY.test(name);
}

/**
 * AdamW over named variables. `step(grads, lr)` takes gradients keyed by parameter name (missing ones are
 * skipped, like PyTorch's `grad is None`); `stateDict()` returns `<name>.exp_avg`, `<name>.exp_avg_sq` and
 * `step` (int32 scalar).
 * @example
 * ```ts
 * const opt = new AdamW(model.namedParameters(), { weightDecay: 0.02 });
 * opt.step({ 'fc.weight': g }, 1e-4);
 * await saveCheckpoint(dir, { model: model.stateDict(), optimizer: opt.stateDict(), config: {} });
 * ```
 */
export class AdamW {
  readonly weightDecay: number;
  readonly betas: [number, number];
  readonly eps: number;
  private readonly params: Map<string, { v: tf.Variable; m: tf.Variable; s: tf.Variable; decay: boolean }>;
  private t = 0;

  constructor(params: ReadonlyArray<[string, tf.Variable]>, opts: AdamWOptions = {}) {
    this.weightDecay = opts.weightDecay ?? 0.02;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    const rule = opts.decay ?? defaultDecayRule;
    this.params = new Map();
    for (const [name, v] of params) {
      // tidy frees the zerosLike handles; the variables keep the data (variables survive tidy).
      this.params.set(name, {
        v,
        m: tf.tidy(() => tf.variable(tf.zerosLike(v), false)),
        s: tf.tidy(() => tf.variable(tf.zerosLike(v), false)),
        decay: rule(name, v),
      });
    }
  }

  /** Names of the parameters that decay. */
  decayed(): string[] {
    return [...this.params].filter(([, p]) => p.decay).map(([n]) => n);
  }

  /** Optimizer steps taken. */
  get stepCount(): number {
    return this.t;
  }

  /** One update with learning rate `lr`; gradients are not disposed (the caller owns them). */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    this.t++;
    const [beta1, beta2] = this.betas;
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (g === undefined) continue;
      // One fused kernel per parameter on the ORT backend (ten tfjs ops, each its own call, elsewhere).
      const weightDecay = p.decay ? this.weightDecay : 0;
      const next = adamStep(p.v, g, p.m, p.s, {
        lr,
        beta1,
        beta2,
        epsilon: this.eps,
        weightDecay,
        step: this.t,
      });
      p.v.assign(next[0]);
      p.m.assign(next[1]);
      p.s.assign(next[2]);
      tf.dispose(next);
    }
  }

  /** Named state tensors (new tensors, owned by the caller). */
  stateDict(): Record<string, tf.Tensor> {
    const sd: Record<string, tf.Tensor> = { step: tf.scalar(this.t, 'int32') };
    for (const [name, p] of this.params) {
      sd[`${name}.exp_avg`] = tf.clone(p.m);
      sd[`${name}.exp_avg_sq`] = tf.clone(p.s);
    }
    return sd;
  }

  /** Restores {@link AdamW.stateDict}; every parameter's moments must be present with matching shapes. */
  loadStateDict(sd: Record<string, tf.Tensor>): void {
    const step = sd.step;
    if (step === undefined) throw new Error('AdamW.loadStateDict: missing "step"');
    for (const [name, p] of this.params) {
      const m = sd[`${name}.exp_avg`];
      const s = sd[`${name}.exp_avg_sq`];
      if (m === undefined || s === undefined)
        throw new Error(`AdamW.loadStateDict: missing moments of "${name}"`);
      if (m.shape.join() !== p.v.shape.join())
        throw new Error(`AdamW.loadStateDict: shape mismatch for "${name}"`);
    }
    for (const [name, p] of this.params) {
      p.m.assign(sd[`${name}.exp_avg`] as tf.Tensor);
      p.s.assign(sd[`${name}.exp_avg_sq`] as tf.Tensor);
    }
    this.t = step.dataSync()[0] as number;
  }

  /** Frees the moment buffers. */
  dispose(): void {
    for (const p of this.params.values()) tf.dispose([p.m, p.s]);
  }
}
