// The demo's recipes and default settings (issue 8), chosen by measurement on this 2-core machine (see
// docs/demo/report.md). Zero-shot classification and retrieval use the contrastive towers only. Both recipes
// use a small CNN image tower (resnet-tiny with a stride-2 stem and a Linear head over the whole 4x4 map:
// global pooling throws away where parts are) that is its own projection, and a 2-layer text transformer of
// width 128 whose sentence embedding is the mean over the caption's tokens. Those two choices closed the gap
// to a PyTorch copy of the set-up (docs/demo/report.md, "What the gap was"): [CLS] pooling and a second
// Linear in series after the CNN head each slowed learning several-fold at this scale; with them fixed,
// image -> name R@1 on the unseen Apple style went from 2.6% to 28.6% in the same 20 minutes.
// `demo-unimo2` (the default) adds UNIMO-2's unaligned streams: MLM on WordNet glosses alone and visual
// contrastive learning on icons alone (Li et al. 2022); `demo-itc` is contrastive only.
// Registered in code like any user recipe, so `vlp demo --recipe <name>` takes any other one too.
import { getRecipe, listRecipes, type Recipe, registerRecipe } from '@vlp/pretrain';

/** Name of the contrastive-only demo recipe (`vlp demo --recipe demo-itc`; see the file header). */
export const DEMO_RECIPE = 'demo-itc';

/** The default demo recipe: UNIMO-2-style, with the unaligned glosses and icons. */
export const DEMO_RECIPE_UNALIGNED = 'demo-unimo2';

/**
 * The default settings of `vlp demo` (the run in docs/demo was made with exactly these).
 *
 * @example
 * ```ts
 * const steps = DEMO_DEFAULTS.steps; // calibrated to fit the 20-minute budget on 2 busy cores
 * ```
 */
export const DEMO_DEFAULTS = {
  /** UNIMO-2's objectives with the unaligned glosses and icons (docs/demo). */
  recipe: DEMO_RECIPE_UNALIGNED,
  /** Augment the aligned pictures (random crop, brightness / contrast jitter): better transfer to Apple. */
  augment: true,
  /** Smallest crop side of the augmentation: the CNN's flatten head is position-sensitive, so crops are mild. */
  augmentMinScale: 0.9,
  /** Whole-run budget in minutes (corpus build, training and evaluation). */
  minutes: 20,
  /** Optimizer steps (training stops earlier if the time budget runs out). */
  steps: 2100,
  imageSize: 32 as 32 | 64,
  seed: 0,
  batchSize: 128,
  lr: 3e-3,
  vocabSize: 4000,
  /** Share of each stream in a batch when the recipe uses unaligned data (128: 112 pairs, 8 icons, 8 glosses). */
  mix: { pairs: 14, images: 1, texts: 1 },
  /** Share of caption draws that give the picture's name (its first caption; the rest: other captions). */
  nameShare: 0.75,
  /** WordNet glosses and icons in the corpus. */
  maxTexts: 20_000,
  maxIcons: 2_000,
} as const;

/** The demo's towers: see the file header. */
const DEMO_TOWERS = {
  image: { name: 'resnet-tiny', overrides: { stemStride: 2, pool: 'flatten', dim: 256 } },
  text: {
    name: 'bert-tiny',
    overrides: { dim: 128, heads: 2, mlpDim: 256, dropout: 0, maxPositions: 32, pooling: 'mean' },
  },
  embedDim: 256,
  imageProjection: false,
} as const;

/**
 * Registers the demo recipes (once): `demo-itc`, contrastive only, and `demo-unimo2` (the default), which
 * adds the unaligned streams. Both use the CNN and mean-pooled text towers of the file header. Returns
 * `demo-itc`.
 *
 * @example
 * ```ts
 * ensureDemoRecipe().name; // 'demo-itc'
 * ```
 */
export function ensureDemoRecipe(): Recipe {
  if (listRecipes().includes(DEMO_RECIPE)) return getRecipe(DEMO_RECIPE);
  const base = getRecipe('unimo2-tiny');
  registerRecipe({
    ...base,
    ...DEMO_TOWERS,
    name: DEMO_RECIPE_UNALIGNED,
    description:
      'vlp demo default: ITC on pairs, MLM on WordNet glosses alone and visual contrastive learning on icons alone (UNIMO-2; no fusion objectives on pairs)',
    objectives: { itc: 1, mlm_text: 0.2, vcl: 0.5 },
  });
  return registerRecipe({
    ...base,
    ...DEMO_TOWERS,
    name: DEMO_RECIPE,
    description: 'the demo towers trained by ITC alone (CLIP-style)',
    objectives: { itc: 1 },
    unaligned: { images: false, texts: false },
  });
}
