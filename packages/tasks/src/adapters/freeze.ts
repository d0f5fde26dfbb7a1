// Freezing for adaptive fine-tuning: only adapters and task heads train, the pre-trained backbone keeps
// its weights bit for bit (frozen tf.Variables get no gradient and the optimiser never sees them), and
// parameter counts to report trainable against total.
import type { Module } from '@vlp/tensor-core';

/**
 * Names of the children that hold adapter and head parameters: Adapter II on block sub-layers
 * (`attnAdapter`, `mlpAdapter`), Adapter I (`adapterI`) and task heads (`head`).
 * @example
 * ```ts
 * ADAPTER_PATTERN.test('towers.vision.encoder.blocks.0.mlpAdapter.up.weight'); // true
 * ADAPTER_PATTERN.test('towers.vision.encoder.blocks.0.mlp.fc1.weight'); // false
 * ```
 */
export const ADAPTER_PATTERN = /(^|\.)(attnAdapter|mlpAdapter|adapterI|head)(\.|$)/;

/**
 * Freezes every parameter of `model`, then unfreezes those whose dotted name passes `keep` (default:
 * adapters and heads, {@link ADAPTER_PATTERN}). Returns the names left trainable. Throws when none is,
 * since an optimiser over nothing is a mistake, not a choice.
 * @example
 * ```ts
 * attachAdapterII(classifier.backbone.towers.vision);
 * const trained = freezeExcept(classifier); // ['backbone.towers.vision...attnAdapter.down.weight', ..., 'head.weight', 'head.bias']
 * ```
 */
export function freezeExcept(
  model: Module,
  keep: (name: string) => boolean = (n) => ADAPTER_PATTERN.test(n),
): string[] {
  const kept: string[] = [];
  for (const [name, v] of model.namedParameters({ includeFrozen: true })) {
    v.trainable = keep(name);
    if (v.trainable) kept.push(name);
  }
  if (kept.length === 0) {
    throw new Error(`freezeExcept: no parameter of ${model.constructor.name} is left trainable`);
  }
  return kept;
}

/**
 * Scalar parameter counts of a model as it stands (buffers excluded).
 * @example
 * ```ts
 * const c: ParameterCounts = parameterCounts(model); // { total: 60000, trainable: 3000, frozen: 57000, trainableFraction: 0.05 }
 * ```
 */
export interface ParameterCounts {
  total: number;
  trainable: number;
  frozen: number;
  trainableFraction: number;
}

/**
 * Counts total, trainable and frozen parameters of `model`.
 * @example
 * ```ts
 * freezeExcept(model);
 * const { trainable, total } = parameterCounts(model);
 * console.log(`${trainable} of ${total} parameters train`);
 * ```
 */
export function parameterCounts(model: Module): ParameterCounts {
  const total = model.numParameters();
  const trainable = model.numParameters({ trainableOnly: true });
  return {
    total,
    trainable,
    frozen: total - trainable,
    trainableFraction: total === 0 ? 0 : trainable / total,
  };
}
