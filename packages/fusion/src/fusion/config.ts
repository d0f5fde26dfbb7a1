// Fusion transformer configurations: typed, commented interfaces and the zod schema that checks the JSON
// presets in `packages/fusion/configs/` (and user overrides). One discriminated union over the kinds:
// single-stream (Pixel-BERT, SOHO), cross-attention (ALBEF) and grounded (UNIMO-2).
import { z } from 'zod';

/**
 * Fields every fusion kind shares.
 * @example
 * ```ts
 * const shape: FusionConfigBase = { name: 'x', dim: 64, depth: 2, heads: 4, mlpDim: 256, dropout: 0.1,
 *   layerNormEps: 1e-12, visualDim: 64, textDim: 64 };
 * ```
 */
export interface FusionConfigBase {
  /** Registry name; a JSON preset's file name without `.json`. */
  name: string;
  /** One line on where the shape comes from. */
  description?: string;
  /** Fusion width D (inputs of another width are projected by a Linear). */
  dim: number;
  /** Transformer blocks. */
  depth: number;
  /** Attention heads; must divide `dim`. */
  heads: number;
  /** Hidden width of each block's MLP. */
  mlpDim: number;
  /** Dropout in every block. */
  dropout: number;
  /** LayerNorm epsilon (BERT: 1e-12). */
  layerNormEps: number;
  /** Width of the incoming visual tokens (the image encoder's dim). */
  visualDim: number;
  /** Width of the incoming text tokens (the text encoder's dim). */
  textDim: number;
}

/**
 * SOHO's visual dictionary inside a single-stream fusion.
 * @example
 * ```ts
 * const vd: VisualDictionaryConfig = { size: 2048, decay: 0.99, deadAfter: 100, gate: false };
 * ```
 */
export interface VisualDictionaryConfig {
  /** Entries k (SOHO's best: 2048). */
  size: number;
  /** EMA decay. */
  decay: number;
  /** Re-seed entries idle for this many updates (0 = never). */
  deadAfter: number;
  /** Mix raw and quantised features with a learned gate instead of using the quantised ones alone. */
  gate: boolean;
}

/**
 * Pixel-BERT / SOHO: one transformer over [text ; visual] with modality type embeddings; with
 * `visualDictionary` the visual tokens are first quantised by SOHO's dictionary.
 * @example
 * ```ts
 * const cfg = getFusionConfig('soho-tiny') as SingleStreamConfig;
 * ```
 */
export interface SingleStreamConfig extends FusionConfigBase {
  kind: 'single-stream';
  visualDictionary?: VisualDictionaryConfig;
  /**
   * Std of the truncated-normal init of every Linear weight (projections, attention, MLP). Default 0.02,
   * BERT's std at width 768 (about 0.55 / sqrt(768)). At test widths (32) 0.02 makes every sub-layer add
   * about 1% to the residual stream, so the fused [CLS] starts additive in image and text and ITM with
   * random negatives has no first-order gradient towards matching: tiny presets use ~1 / sqrt(dim).
   */
  initStd?: number;
}

/**
 * ALBEF: text layers that self-attend, then cross-attend to the visual tokens.
 * @example
 * ```ts
 * const cfg = getFusionConfig('albef-tiny') as CrossAttentionConfig;
 * ```
 */
export interface CrossAttentionConfig extends FusionConfigBase {
  kind: 'cross-attention';
}

/**
 * UNIMO-2: [visual ; grounded ; text] under the block mask, grounded tokens from a grounded dictionary.
 * @example
 * ```ts
 * const cfg = getFusionConfig('unimo2-tiny') as GroundedConfig; // cfg.topK
 * ```
 */
export interface GroundedConfig extends FusionConfigBase {
  kind: 'grounded';
  /** Codes C in the grounded dictionary (release: 2048). */
  groundedSize: number;
  /** Grounded tokens K per sample (release: 100). */
  topK: number;
  /** Initial temperature (paper: 100; clamped to [1, 1e4]). */
  tauInit: number;
  /** Weights of q_latent and e_latent (paper: [1.0, 0.25]). */
  groundingWeights: [number, number];
}

/**
 * Any fusion config, discriminated by `kind`.
 * @example
 * ```ts
 * const cfg: FusionConfig = getFusionConfig('albef-tiny');
 * if (cfg.kind === 'grounded') console.log(cfg.topK);
 * ```
 */
export type FusionConfig = SingleStreamConfig | CrossAttentionConfig | GroundedConfig;

/**
 * Field overrides for `createFusion` (validated after merging).
 * @example
 * ```ts
 * const o: FusionOverrides = { depth: 1, dim: 16 };
 * ```
 */
export type FusionOverrides = Partial<Omit<SingleStreamConfig, 'kind'>> &
  Partial<Omit<GroundedConfig, 'kind'>>;

const positiveInt = z.number().int().positive();

const base = {
  name: z.string().min(1),
  description: z.string().optional(),
  dim: positiveInt,
  depth: positiveInt,
  heads: positiveInt,
  mlpDim: positiveInt,
  dropout: z.number().min(0).lt(1),
  layerNormEps: z.number().positive(),
  visualDim: positiveInt,
  textDim: positiveInt,
};

/**
 * Validates a complete {@link FusionConfig} (unknown keys rejected; heads divide dim; topK <= groundedSize).
 * @example
 * ```ts
 * FusionConfigSchema.safeParse(JSON.parse(text)).success; // true for configs/albef-tiny.json
 * ```
 */
export const FusionConfigSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      ...base,
      kind: z.literal('single-stream'),
      visualDictionary: z
        .strictObject({
          size: positiveInt,
          decay: z.number().min(0).lt(1),
          deadAfter: z.number().int().nonnegative(),
          gate: z.boolean(),
        })
        .optional(),
      initStd: z.number().positive().optional(),
    }),
    z.strictObject({ ...base, kind: z.literal('cross-attention') }),
    z.strictObject({
      ...base,
      kind: z.literal('grounded'),
      groundedSize: positiveInt,
      topK: positiveInt,
      tauInit: z.number().min(1).max(1e4),
      groundingWeights: z.tuple([z.number().nonnegative(), z.number().nonnegative()]),
    }),
  ])
  .refine((c) => c.dim % c.heads === 0, { message: 'heads must divide dim', path: ['heads'] })
  .refine((c) => c.kind !== 'grounded' || c.topK <= c.groundedSize, {
    message: 'topK must not exceed groundedSize',
    path: ['topK'],
  });

/**
 * Checks a config (parsed JSON with overrides applied), throwing a readable error naming every bad field.
 * @example
 * ```ts
 * parseFusionConfig({ ...getFusionConfig('albef-tiny'), heads: 3 }); // throws: heads: heads must divide dim
 * ```
 */
export function parseFusionConfig(value: unknown, source = 'fusion config'): FusionConfig {
  const r = FusionConfigSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${source}: ${issues}`);
  }
  return r.data as FusionConfig;
}
