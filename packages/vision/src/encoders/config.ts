// Image-encoder configs are data: JSON files in packages/vision/configs/ validated by the zod schemas
// here (open_clip's model_configs). A ViT and a ResNet-style CNN; `kind` discriminates. Unknown keys are
// errors, so an override meant for the other family (a `patchSize` on a CNN) fails loudly.
import { z } from 'zod';

const positiveInt = z.number().int().positive();

const vitShape = z.strictObject({
  kind: z.literal('vit'),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Side of the square input the position table is laid out for. */
  imageSize: positiveInt,
  /** Side of a square patch; imageSize must be a multiple of it. */
  patchSize: positiveInt,
  /** Token width D. */
  dim: positiveInt,
  /** Number of pre-LN transformer blocks. */
  depth: positiveInt,
  heads: positiveInt,
  /** MLP hidden width = mlpRatio * dim. */
  mlpRatio: z.number().positive().default(4),
  /** Dropout after the position embedding and inside every block. */
  dropout: z.number().min(0).max(0.99).default(0),
  /** timm ViTs use 1e-6. */
  layerNormEps: z.number().positive().default(1e-6),
  /** The pixel normalisation preset this encoder expects (see NORMALIZATIONS). */
  normalization: z.enum(['clip', 'imagenet', 'none']).default('clip'),
});

const cnnShape = z.strictObject({
  kind: z.literal('cnn'),
  name: z.string().min(1),
  description: z.string().optional(),
  imageSize: positiveInt,
  /** `basic` (two 3x3 convs, ResNet-18/34) or `bottleneck` (1x1, 3x3, 1x1 with 4x expansion, ResNet-50). */
  block: z.enum(['basic', 'bottleneck']),
  stemWidth: positiveInt,
  stemKernel: positiveInt.default(7),
  stemStride: positiveInt.default(2),
  /** 3x3 stride-2 max pool after the stem (ResNet); off for tiny inputs. */
  stemPool: z.boolean().default(true),
  /** Output channels of each stage (bottleneck: 4x the inner width). Stages after the first halve H, W. */
  widths: z.array(positiveInt).min(1),
  depths: z.array(positiveInt).min(1),
  /** Token width D the final feature map is projected to. */
  dim: positiveInt,
  /**
   * How `cls` summarises the final feature map: `mean` of the projected tokens (global average pooling), or
   * `flatten`: one Linear over the whole [h, w, C] map (the classic CNN classifier head), which keeps where
   * things are. Flatten fixes the input size to `imageSize`.
   */
  pool: z.enum(['mean', 'flatten']).default('mean'),
  /** BatchNorm running-statistics momentum (PyTorch convention: new = (1 - m) * old + m * batch). */
  bnMomentum: z.number().gt(0).max(1).default(0.1),
  bnEps: z.number().positive().default(1e-5),
  normalization: z.enum(['clip', 'imagenet', 'none']).default('imagenet'),
});

/**
 * Schema of {@link VitConfig}, with cross-field checks.
 *
 * @example
 * ```ts
 * const ok = VitConfigSchema.safeParse(JSON.parse(text)).success;
 * ```
 */
export const VitConfigSchema = vitShape
  .refine((c) => c.imageSize % c.patchSize === 0, { message: 'imageSize must be a multiple of patchSize' })
  .refine((c) => c.dim % c.heads === 0, { message: 'dim must be divisible by heads' });

/**
 * Schema of {@link CnnConfig}, with cross-field checks.
 *
 * @example
 * ```ts
 * const cfg = CnnConfigSchema.parse({ kind: 'cnn', name: 'r', imageSize: 32, block: 'basic', stemWidth: 8,
 *   widths: [8, 16], depths: [1, 1], dim: 16 });
 * ```
 */
export const CnnConfigSchema = cnnShape
  .refine((c) => c.widths.length === c.depths.length, { message: 'widths and depths must have equal length' })
  .refine((c) => c.block === 'basic' || c.widths.every((w) => w % 4 === 0), {
    message: 'bottleneck widths must be multiples of 4 (the expansion)',
  });

/**
 * A Vision Transformer (Dosovitskiy et al., 2021): patches -> Linear -> [CLS; tokens] + learned positions
 * -> pre-LN blocks -> LayerNorm.
 *
 * @example
 * ```ts
 * const cfg: VitConfig = parseImageEncoderConfig({ kind: 'vit', name: 'mine', imageSize: 64, patchSize: 8,
 *   dim: 64, depth: 2, heads: 4 }) as VitConfig;
 * ```
 */
export type VitConfig = z.output<typeof vitShape>;

/**
 * A ResNet-style CNN (He et al., 2016) whose final feature map is the visual sequence (Pixel-BERT, SOHO).
 *
 * @example
 * ```ts
 * const cfg = getImageEncoderConfig('resnet-tiny') as CnnConfig;
 * cfg.widths; // [16, 32, 64]
 * ```
 */
export type CnnConfig = z.output<typeof cnnShape>;

/**
 * Either encoder family's config, discriminated by `kind`.
 *
 * @example
 * ```ts
 * function describe(c: ImageEncoderConfig): string {
 *   return c.kind === 'vit' ? `${c.depth} blocks` : `${c.depths.length} stages`;
 * }
 * ```
 */
export type ImageEncoderConfig = VitConfig | CnnConfig;

/**
 * JSON input form (defaults may be omitted).
 *
 * @example
 * ```ts
 * const input: ImageEncoderConfigInput = { kind: 'vit', name: 'v', imageSize: 32, patchSize: 8, dim: 32,
 *   depth: 2, heads: 2 };
 * ```
 */
export type ImageEncoderConfigInput = z.input<typeof vitShape> | z.input<typeof cnnShape>;

/**
 * Field overrides applied on top of a named config; validated again after merging.
 *
 * @example
 * ```ts
 * const overrides: ImageEncoderOverrides = { depth: 4, dropout: 0.1 };
 * ```
 */
export type ImageEncoderOverrides = Partial<Omit<z.input<typeof vitShape>, 'kind'>> &
  Partial<Omit<z.input<typeof cnnShape>, 'kind'>>;

/**
 * Validates a config object (from JSON or code), fills defaults, and explains every problem at once.
 *
 * @example
 * ```ts
 * const cfg = parseImageEncoderConfig(JSON.parse(fs.readFileSync('my-vit.json', 'utf8')));
 * ```
 */
export function parseImageEncoderConfig(value: unknown, source = 'config'): ImageEncoderConfig {
  const kind = (value as { kind?: unknown } | null)?.kind;
  const schema = kind === 'vit' ? VitConfigSchema : kind === 'cnn' ? CnnConfigSchema : null;
  if (schema === null) {
    throw new Error(`${source}: "kind" must be "vit" or "cnn", got ${JSON.stringify(kind)}`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source}: invalid image encoder config:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}
