// The demo's recipes and default settings (issue 8), chosen by measurement on this 2-core machine (see
// docs/demo/report.md). Zero-shot classification and retrieval use the contrastive towers only. Both recipes
// use a small CNN image tower (resnet-tiny with a stride-2 stem and a Linear head over the whole 4x4 map:
// global pooling throws away where parts are) that is its own projection, and a 2-layer text transformer of
// width 128 whose sentence embedding is the mean over the caption's tokens. Those two choices closed the gap
// to a PyTorch copy of the set-up (docs/demo/unimo2-2100/report.md, "What the gap was"): [CLS] pooling and a second
// Linear in series after the CNN head each slowed learning several-fold at this scale.
// `demo-itc` (the default) is contrastive only. `demo-unimo2` adds UNIMO-2's unaligned streams: MLM on
// WordNet glosses alone and visual contrastive learning on icons alone (Li et al. 2022). With the class
// captions and the shift augmentation, contrastive learning alone got more steps into the 20 minutes and
// came out ahead on every figure but the held-out one (docs/demo/report.md, "Class captions").
// Registered in code like any user recipe, so `vlp demo --recipe <name>` takes any other one too.
import { getRecipe, listRecipes, type Recipe, registerRecipe } from '@vlp/pretrain';

/** The default demo recipe, contrastive only (see the file header). */
export const DEMO_RECIPE = 'demo-itc';

/** The UNIMO-2-style demo recipe, with the unaligned glosses and icons (`vlp demo --recipe demo-unimo2`). */
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
  /** Contrastive only: in the same 20 minutes it beat the unaligned streams on every figure (docs/demo). */
  recipe: DEMO_RECIPE,
  /** Augment the aligned pictures: a whole-pixel shift and a brightness / contrast jitter. */
  augment: true,
  /**
   * The augmentation: shifts up to 2 px each way, no zoom, jitter 0.1. The CNN's flatten head is
   * position-sensitive; against a zoom-and-shift crop (scale 0.9-1, jitter 0.2) this took image -> name R@1
   * from 36.0% to 43.4% at 2,100 steps (docs/demo).
   */
  augmentation: { minScale: 1, shift: 2, jitter: 0.1 },
  /** Add each training picture's category and subcategory names to its captions (docs/demo). */
  classCaptions: true,
  /** Evaluation embeds each picture as the mean over its 9 shifts within +-1 px (`shiftAveraged`; docs/demo). */
  viewShift: 1,
  /** A picture's category is the category of its best subcategory prompt (CHiLS; docs/demo/PROTOCOL.md). */
  categoryVia: 'subcategories' as 'subcategories' | 'prompts',
  /** Whole-run budget in minutes (corpus build, training and evaluation). */
  minutes: 20,
  /** Optimizer steps (training stops earlier if the time budget runs out). */
  steps: 2600,
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
 * Registers the demo recipes (once): `demo-itc` (the default), contrastive only, and `demo-unimo2`, which
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
      'UNIMO-2-style demo: ITC on pairs, MLM on WordNet glosses alone and visual contrastive learning on icons alone (UNIMO-2; no fusion objectives on pairs)',
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
