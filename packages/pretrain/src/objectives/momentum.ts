// The momentum model of ALBEF (Li et al. 2021), after MoCo (He et al. 2020): an exponential moving average
// of the online model's parameters, theta_m = m * theta_m + (1 - m) * theta (m = 0.995), that never receives
// gradients and supplies distillation targets and queue features.
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@vlp/tensor-core';

/**
 * Ties an online module to a same-shaped momentum copy. The constructor copies the online values into the
 * copy and freezes it (`requiresGrad(false)`); `update()` applies one EMA step to every parameter (buffers
 * such as BatchNorm statistics are copied). `stateDict()` / `loadStateDict()` cover the copy, for resume.
 * @example
 * ```ts
 * const momentum = new MomentumModel(towers, createTowers(rng.fork('m')), { m: 0.995 });
 * // after each optimizer step:
 * momentum.update();
 * ```
 */
export class MomentumModel<M extends Module = Module> {
  readonly online: Module;
  readonly model: M;
  readonly m: number;
  private readonly pairs: Array<[tf.Variable, tf.Variable]> = [];
  private readonly buffers: Array<[tf.Variable, tf.Variable]> = [];

  constructor(online: Module, momentum: M, opts: { m?: number } = {}) {
    this.online = online;
    this.model = momentum;
    this.m = opts.m ?? 0.995;
    if (!(this.m >= 0 && this.m <= 1)) throw new Error(`MomentumModel: m must be in [0, 1], got ${this.m}`);
    const target = new Map(momentum.namedParameters({ includeFrozen: true }));
    for (const [name, v] of online.namedParameters()) {
      const t = target.get(name);
      if (t === undefined) throw new Error(`MomentumModel: the momentum copy has no parameter "${name}"`);
      if (t.shape.join() !== v.shape.join()) throw new Error(`MomentumModel: shape mismatch for "${name}"`);
      this.pairs.push([v, t]);
    }
    const targetBuffers = new Map(momentum.namedBuffers());
    for (const [name, v] of online.namedBuffers()) {
      const t = targetBuffers.get(name);
      if (t !== undefined) this.buffers.push([v, t]);
    }
    momentum.requiresGrad(false);
    this.copyFromOnline();
  }

  /** Sets the momentum copy equal to the online model (ALBEF's initialisation). */
  copyFromOnline(): void {
    tf.tidy(() => {
      for (const [v, t] of [...this.pairs, ...this.buffers]) t.assign(v);
    });
  }

  /** One EMA step: theta_m = m * theta_m + (1 - m) * theta; buffers copied. */
  update(): void {
    tf.tidy(() => {
      for (const [v, t] of this.pairs) t.assign(tf.add(tf.mul(t, this.m), tf.mul(v, 1 - this.m)));
      for (const [v, t] of this.buffers) t.assign(v);
    });
  }

  /** The momentum copy's state (live variables; do not dispose). */
  stateDict(): Record<string, tf.Tensor> {
    return this.model.stateDict();
  }

  /** Restores the momentum copy (strict). */
  loadStateDict(sd: Record<string, tf.Tensor>): void {
    this.model.loadStateDict(sd);
  }
}
