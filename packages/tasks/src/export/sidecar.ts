// The JSON sidecar written next to every exported `.onnx` tower (`image.onnx` -> `image.json`): what a runner
// needs besides the graph: input and output names and shapes, image size, layout and pixel normalisation,
// the text length, padding and tokenizer file. It is also the format a user writes by hand to run their own
// CLIP-style ONNX encoder pair through OnnxTower (inputs say their role; layout, resize and normalisation say
// how images are preprocessed).
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';

/** What an input feeds: image pixels, or the token ids / mask / segment ids of a text. */
export const INPUT_ROLES = ['pixels', 'input_ids', 'attention_mask', 'token_type_ids'] as const;

const valueSchema = z.object({
  name: z.string().min(1),
  dtype: z.enum(['float32', 'int64', 'int32']),
  /** Numbers are fixed sizes; strings name symbolic dimensions ('batch', 'sequence'). */
  shape: z.array(z.union([z.number().int().nonnegative(), z.string()])),
  /** Inputs only. Default: `pixels` for an image tower; by name (`*mask*`, `*type*`, else ids) for text. */
  role: z.enum(INPUT_ROLES).optional(),
});

/**
 * Schema of {@link TowerSidecar}.
 *
 * @example
 * ```ts
 * const sidecar = TowerSidecarSchema.parse(JSON.parse(text));
 * ```
 */
export const TowerSidecarSchema = z.object({
  format: z.literal('vlp-onnx-tower'),
  version: z.literal(1),
  kind: z.enum(['image', 'text']),
  /** 'vit' | 'cnn' | 'bert' for our exports; free text for a user's model. */
  architecture: z.string(),
  opset: z.number().int().positive(),
  inputs: z.array(valueSchema).min(1),
  outputs: z.array(valueSchema).min(1),
  /** The output to use as the embedding: 'embeds' (projected, unit rows) when exported with a projection. */
  embeddingOutput: z.string(),
  /** Whether `embeddingOutput` rows are already L2-normalised. */
  normalized: z.boolean(),
  image: z
    .object({
      size: z.number().int().positive(),
      layout: z.enum(['NHWC', 'NCHW']),
      /** How a non-square image becomes square (default 'pad'; CLIP's own preprocessing is 'crop'). */
      resize: z.enum(['crop', 'pad', 'stretch']).default('pad'),
      normalization: z.object({
        preset: z.string().optional(),
        mean: z.tuple([z.number(), z.number(), z.number()]),
        std: z.tuple([z.number(), z.number(), z.number()]),
      }),
    })
    .optional(),
  text: z
    .object({
      /** Longest sequence the position table covers. */
      maxLength: z.number().int().positive(),
      /** Path (relative to the sidecar) of a WordPiece tokenizer.json or vocab.txt; null: none known. */
      tokenizer: z.string().nullable(),
      vocabSize: z.number().int().positive(),
      /** 'max_length' pads every text to maxLength (fixed-length graphs); 'longest' to the batch's longest. */
      padding: z.enum(['max_length', 'longest']).default('max_length'),
    })
    .optional(),
});

/**
 * Description of an exported tower, stored as `<name>.json` beside `<name>.onnx`.
 *
 * @example
 * ```ts
 * const sc: TowerSidecar = await readSidecar('out/image.onnx');
 * sc.image?.size; // 32
 * ```
 */
export type TowerSidecar = z.infer<typeof TowerSidecarSchema>;

/**
 * A sidecar as written by hand: fields with defaults (`image.resize`, `text.padding`) may be left out.
 *
 * @example
 * ```ts
 * const sc: TowerSidecarInput = JSON.parse(await readFile('clip/image.json', 'utf8'));
 * ```
 */
export type TowerSidecarInput = z.input<typeof TowerSidecarSchema>;

/**
 * The sidecar path of a model path: `a/b.onnx` -> `a/b.json` (any other name gets `.json` appended).
 *
 * @example
 * ```ts
 * sidecarPath('out/image.onnx'); // 'out/image.json'
 * ```
 */
export function sidecarPath(modelPath: string): string {
  return modelPath.endsWith('.onnx') ? `${modelPath.slice(0, -5)}.json` : `${modelPath}.json`;
}

/**
 * Reads and validates the sidecar of `modelPath`; errors name the file and every bad field.
 *
 * @example
 * ```ts
 * const sc = await readSidecar('out/text.onnx'); // reads out/text.json
 * ```
 */
export async function readSidecar(modelPath: string): Promise<TowerSidecar> {
  const file = sidecarPath(modelPath);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ONNX sidecar '${file}': ${(err as Error).message}`);
  }
  const r = TowerSidecarSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid ONNX sidecar '${file}': ${issues}`);
  }
  return r.data;
}

/**
 * Validates and writes the sidecar of `modelPath` (`a/b.onnx` -> `a/b.json`); returns its path.
 *
 * @example
 * ```ts
 * await writeSidecar('out/image.onnx', sidecar); // 'out/image.json'
 * ```
 */
export async function writeSidecar(modelPath: string, sidecar: TowerSidecarInput): Promise<string> {
  const file = sidecarPath(modelPath);
  await writeFile(file, `${JSON.stringify(TowerSidecarSchema.parse(sidecar), null, 2)}\n`);
  return file;
}
