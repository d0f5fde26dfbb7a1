// The registry of objectives by name (house style: registries keyed by name, warning on overwrite; timm's
// model registry). Recipes name their objectives and weights; the trainer looks them up here.
import { groundingLoss } from './grounding.js';
import { itcLoss } from './itc.js';
import { itmLoss } from './itm.js';
import { type MlmFeatures, mlmLoss } from './mlm.js';
import { mvmLoss } from './mvm.js';
import { pwclLoss } from './pwcl.js';
import type { ObjectiveOutput } from './types.js';
import { visualContrastiveLoss } from './visual-contrastive.js';

// biome-ignore lint/suspicious/noExplicitAny: the registry holds objectives of differing feature types.
type AnyObjective = (features: any) => ObjectiveOutput;
const _objectives = new Map<string, AnyObjective>();

/**
 * MLM on texts alone (UNIMO-2's unaligned text): the MLM loss, reported as `mlm_text` so it can be weighted
 * apart from the image-conditioned `mlm`.
 * @example
 * ```ts
 * const { losses } = textMlmLoss({ mlmLogits, mlmLabels }); // losses.mlm_text
 * ```
 */
export function textMlmLoss(f: MlmFeatures): ObjectiveOutput {
  const { losses, logs } = mlmLoss(f);
  return { losses: { mlm_text: losses.mlm as NonNullable<typeof losses.mlm> }, logs };
}

/**
 * Registers an objective under `name`; warns when replacing one.
 * @example
 * ```ts
 * registerObjective('itc_small_batch', (f: ItcFeatures) => itcLoss(f));
 * ```
 */
export function registerObjective<F>(name: string, fn: (features: F) => ObjectiveOutput): void {
  if (_objectives.has(name)) console.warn(`registerObjective: replacing objective "${name}"`);
  _objectives.set(name, fn as AnyObjective);
}

/**
 * Looks an objective up by name; throws with the list of known names otherwise.
 * @example
 * ```ts
 * const itc = getObjective('itc');
 * const out = itc({ imageEmbeds, textEmbeds, temperature: 0.07 });
 * ```
 */
export function getObjective(name: string): (features: Record<string, unknown>) => ObjectiveOutput {
  const fn = _objectives.get(name);
  if (fn === undefined) {
    throw new Error(`Unknown objective "${name}". Should be one of: ${listObjectives().join(', ')}`);
  }
  return fn;
}

/**
 * Names of the registered objectives, sorted.
 * @example
 * ```ts
 * listObjectives(); // ['grounding', 'itc', 'itm', 'mlm', 'mlm_text', 'mvm', 'pwcl', 'vcl']
 * ```
 */
export function listObjectives(): string[] {
  return [..._objectives.keys()].sort();
}

for (const [name, fn] of [
  ['itc', itcLoss],
  ['pwcl', pwclLoss],
  ['itm', itmLoss],
  ['mlm', mlmLoss],
  ['mlm_text', textMlmLoss],
  ['mvm', mvmLoss],
  ['vcl', visualContrastiveLoss],
  ['grounding', groundingLoss],
] as Array<[string, AnyObjective]>) {
  _objectives.set(name, fn);
}
