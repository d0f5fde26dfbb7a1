// Recipes as data (open_clip's model_configs/*.json): which image tower, text tower and fusion a method uses,
// the contrastive projection width, and its weighted objectives with their hyper-parameters. The methods are
// ALBEF (Li et al. 2021), SOHO (Huang et al. 2021), UNIMO-2 (Li et al. 2022), Pixel-BERT (Huang et al. 2020)
// and CAVL (Xu et al. 2023); defaults follow /work/shared/ALGORITHMS.md. `configs/*.json` is the registry.
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * Validates a recipe (unknown keys rejected). Objectives are weights by loss name, as the Trainer sums them.
 * @example
 * ```ts
 * RecipeSchema.parse(JSON.parse(readFileSync('configs/albef-tiny.json', 'utf8'))).method; // 'albef'
 * ```
 */
export const RecipeSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  method: z.enum(['albef', 'soho', 'unimo2', 'pixelbert', 'cavl']),
  /** Image tower: a @vlp/vision encoder name plus overrides. */
  image: z.strictObject({ name: z.string(), overrides: z.record(z.string(), z.unknown()).default({}) }),
  /** Text tower: a @vlp/text encoder name plus overrides (vocabSize comes from the tokenizer). */
  text: z.strictObject({ name: z.string(), overrides: z.record(z.string(), z.unknown()).default({}) }),
  /** Fusion: a @vlp/fusion config name plus overrides (visualDim / textDim follow the towers); none for CAVL. */
  fusion: z
    .strictObject({ name: z.string(), overrides: z.record(z.string(), z.unknown()).default({}) })
    .optional(),
  /** Width of the L2-normalised contrastive embeddings (ALBEF: 256). */
  embedDim: positiveInt,
  /**
   * `false`: no `visionProj`; the image tower's `cls` is the embedding (its `dim` must equal `embedDim`). For
   * towers that already end in a learned Linear (ResNet with `pool: 'flatten'`): a second Linear in series
   * learned ~2x slower on the emoji demo (docs/demo/unimo2-2100/report.md). Default true (ALBEF's vision_proj).
   */
  imageProjection: z.boolean().optional(),
  /** Caption length in tokens, [CLS] and [SEP] included. */
  maxLength: positiveInt,
  /** Learnable temperature: init and clamp range (ALBEF: 0.07 in [0.001, 0.5]). */
  temperature: z
    .strictObject({ init: z.number().positive(), min: z.number().positive(), max: z.number().positive() })
    .default({ init: 0.07, min: 0.001, max: 0.5 }),
  /** ALBEF's momentum model, queues and distillation. */
  momentum: z
    .strictObject({
      m: z.number().min(0).max(1),
      /** Queue entries; must be a multiple of the batch size. */
      queueSize: positiveInt,
      /** Distillation weight reached after `alphaRampSteps` (ALBEF: 0.4 over the first epoch). */
      alpha: z.number().min(0).max(1),
      alphaRampSteps: z.number().int().nonnegative(),
    })
    .optional(),
  /** Loss weights by name: itc, pwcl, itm, mlm, mlm_text, mvm, vcl, grounding. */
  objectives: z.record(z.string(), z.number().nonnegative()),
  /** ITM negatives: ALBEF's hard ones from contrastive similarity, or SOHO's random swaps. */
  itm: z
    .strictObject({ negatives: z.enum(['hard', 'random']), swapProb: z.number().min(0).max(1).default(0.5) })
    .optional(),
  /**
   * CAVL's PwCL: its own fixed temperature in the guard s = exp(cos / tau) (not learnable: PwCL drives a
   * learnable temperature to its floor). Without it PwCL uses the recipe's learnable temperature.
   */
  pwcl: z.strictObject({ temperature: z.number().positive() }).optional(),
  /** BERT masking probability (15%). */
  mlmProb: z.number().gt(0).lt(1).default(0.15),
  /** SOHO's MVM: share of sampled visual positions (all positions sharing their VD id are masked). */
  mvm: z.strictObject({ ratio: z.number().gt(0).lt(1), scale: z.number().positive() }).optional(),
  /** Pixel-BERT: pixel tokens kept per image while training (paper: 100). */
  pixelSamples: positiveInt.optional(),
  /** UNIMO-2: image-only samples train visual contrastive learning on two augmented views. */
  unaligned: z.strictObject({ images: z.boolean(), texts: z.boolean() }).optional(),
});

/**
 * A recipe: towers, fusion and weighted objectives of one method at one scale.
 * @example
 * ```ts
 * const r: Recipe = getRecipe('albef-tiny');
 * r.objectives; // { itc: 1, itm: 1, mlm: 1 }
 * ```
 */
export type Recipe = z.output<typeof RecipeSchema>;

/** The five methods. */
export type RecipeMethod = Recipe['method'];

/**
 * Field overrides for `createModel` (merged shallowly, then validated).
 * @example
 * ```ts
 * const o: RecipeOverrides = { embedDim: 16, objectives: { itc: 1 } };
 * ```
 */
export type RecipeOverrides = Partial<z.input<typeof RecipeSchema>>;

/**
 * Checks a recipe, throwing one readable error naming every bad field.
 * @example
 * ```ts
 * parseRecipe({ ...getRecipe('albef-tiny'), embedDim: 0 }); // throws: embedDim: ...
 * ```
 */
export function parseRecipe(value: unknown, source = 'recipe'): Recipe {
  const r = RecipeSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${source}: ${issues}`);
  }
  const recipe = r.data;
  if (recipe.method !== 'cavl' && recipe.fusion === undefined) {
    throw new Error(`${source}: fusion: method "${recipe.method}" needs a fusion`);
  }
  if (recipe.momentum && recipe.momentum.queueSize <= 0) throw new Error(`${source}: momentum.queueSize`);
  return recipe;
}

const _recipes = new Map<string, Recipe>();
let _loaded = false;

function _loadConfigs(): void {
  if (_loaded) return;
  _loaded = true;
  // Read through getBuiltinModule so browser bundles (no file system) still import this file.
  const fs = process.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  const url = process.getBuiltinModule?.('node:url') as typeof import('node:url') | undefined;
  if (!fs || !url) return;
  const dir = url.fileURLToPath(new URL('../../configs/', import.meta.url));
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const recipe = parseRecipe(JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8')), `configs/${f}`);
    _recipes.set(recipe.name, recipe);
  }
}

/**
 * Registers a recipe (e.g. in a browser, where `configs/` cannot be read); warns when replacing one.
 * @example
 * ```ts
 * registerRecipe({ ...getRecipe('albef-tiny'), name: 'albef-mine', embedDim: 64 });
 * ```
 */
export function registerRecipe(recipe: z.input<typeof RecipeSchema>): Recipe {
  _loadConfigs();
  const parsed = parseRecipe(recipe, `recipe "${recipe.name}"`);
  if (_recipes.has(parsed.name)) console.warn(`registerRecipe: replacing recipe "${parsed.name}"`);
  _recipes.set(parsed.name, parsed);
  return parsed;
}

/**
 * Names of the known recipes, sorted.
 * @example
 * ```ts
 * listRecipes(); // ['albef-base', 'albef-small', 'albef-tiny', 'cavl-base', ...]
 * ```
 */
export function listRecipes(): string[] {
  _loadConfigs();
  return [..._recipes.keys()].sort();
}

/**
 * A recipe by name; throws with the list of known names otherwise.
 * @example
 * ```ts
 * getRecipe('soho-tiny').fusion?.name; // 'soho-tiny'
 * ```
 */
export function getRecipe(name: string): Recipe {
  _loadConfigs();
  const r = _recipes.get(name);
  if (r === undefined)
    throw new Error(`Unknown recipe "${name}". Should be one of: ${listRecipes().join(', ')}`);
  return structuredClone(r);
}
