// The demo's default recipe and settings (issue 8), chosen by measurement on this 2-core machine (see
// docs/demo/report.md): a UNIMO-2-style model (Li et al. 2022) whose contrastive towers are what zero-shot
// classification and retrieval use, trained on the aligned emoji pairs plus unaligned data: WordNet
// glosses for text-only MLM and rendered SVG icons for image-only visual contrastive learning. Registered
// in code, like any user recipe (`registerRecipe`), so `vlp demo --recipe <name>` takes any other one too.
import { getRecipe, listRecipes, type Recipe, registerRecipe } from '@vlp/pretrain';

/** Name of the demo's default recipe. */
export const DEMO_RECIPE = 'demo-unimo2';

/**
 * The default settings of `vlp demo` (the run in docs/demo was made with exactly these).
 *
 * @example
 * ```ts
 * const steps = DEMO_DEFAULTS.steps; // calibrated to fit the 20-minute budget on 2 busy cores
 * ```
 */
export const DEMO_DEFAULTS = {
  recipe: DEMO_RECIPE,
  /** Whole-run budget in minutes (corpus build, training and evaluation). */
  minutes: 20,
  /** Optimizer steps (training stops earlier if the time budget runs out). */
  steps: 1500,
  imageSize: 32 as 32 | 64,
  seed: 0,
  batchSize: 128,
  lr: 3e-3,
  vocabSize: 4000,
  /** Share of each stream in a batch when the recipe uses unaligned data. */
  mix: { pairs: 6, images: 1, texts: 1 },
  /** Share of caption draws that give the picture's name (its first caption; the rest: other captions). */
  nameShare: 0.5,
  /** WordNet glosses and icons in the corpus. */
  maxTexts: 20_000,
  maxIcons: 2_000,
} as const;

/**
 * Registers the demo recipe (once) and returns it; later calls return the registered one.
 *
 * @example
 * ```ts
 * ensureDemoRecipe().name; // 'demo-unimo2'
 * ```
 */
export function ensureDemoRecipe(): Recipe {
  if (listRecipes().includes(DEMO_RECIPE)) return getRecipe(DEMO_RECIPE);
  const base = getRecipe('unimo2-tiny');
  return registerRecipe({
    ...base,
    name: DEMO_RECIPE,
    description:
      'vlp demo default: unimo2-tiny towers (ViT 32 px, 2-layer text transformer, width 32) with ITC on pairs, ' +
      'MLM on glosses alone and visual contrastive learning on icons alone; no fusion objectives (they cost ' +
      'time the contrastive towers need under a 20-minute CPU budget)',
    objectives: { itc: 1, mlm_text: 0.2, vcl: 0.5 },
  });
}
