// ONNX export of a model's contrastive towers: the image encoder (ViT or ResNet) and the BERT text encoder,
// each with its projection and L2 normalisation, as standalone `.onnx` graphs (standard opset-17 ops, built
// with onnx-proto) plus a JSON sidecar each and the tokenizer as tokenizer.json. The graphs compute exactly
// what `VlpModel.embedImages` / `embedTexts` compute in eval mode (CLIP's two-tower inference, Radford et
// al. 2021), so labelling can run on onnxruntime instead of TensorFlow.js.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { VlpModel } from '@vlp/pretrain';
import type { Linear } from '@vlp/tensor-core';
import { type BertEncoder, tokenizerToJson, type WordPieceTokenizer } from '@vlp/text';
import { type ImageEncoder, NORMALIZATIONS, ResNetEncoder, VisionTransformer } from '@vlp/vision';
import { _bertGraph } from './_bert.js';
import { _GraphBuilder, type _ValueSpec } from './_graph.js';
import { _l2Normalize, _linear } from './_layers.js';
import { _resnetGraph } from './_resnet.js';
import { _vitGraph } from './_vit.js';
import { type TowerSidecar, TowerSidecarSchema, writeSidecar } from './sidecar.js';

/** Default-domain opset of exported graphs (17: the first with LayerNormalization). */
export const EXPORT_OPSET = 17;

/**
 * One exported tower: the ModelProto bytes and the sidecar describing them.
 *
 * @example
 * ```ts
 * const { onnx, sidecar } = exportImageTower(model.towers.vision, model.towers.visionProj);
 * await writeFile('image.onnx', onnx);
 * ```
 */
export interface ExportedTower {
  onnx: Uint8Array;
  sidecar: TowerSidecar;
}

/**
 * Options of {@link exportImageTower} / {@link exportTextTower}.
 *
 * @example
 * ```ts
 * const opts: TowerExportOptions = { opset: 18 };
 * ```
 */
export interface TowerExportOptions {
  /** Default-domain opset (>= 17; default {@link EXPORT_OPSET}). */
  opset?: number;
}

function _opset(opset: number | undefined): number {
  const v = opset ?? EXPORT_OPSET;
  if (!Number.isInteger(v) || v < 17)
    throw new RangeError(`export: opset must be an integer >= 17, got ${v}`);
  return v;
}

function _prefixed(prefix: string, sd: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** Adds `embeds` = l2(proj(cls)) (when a projection is given) and the graph outputs; returns their specs. */
function _outputs(
  g: _GraphBuilder,
  f: { tokens: string; cls: string; pooled?: string },
  dim: number,
  projection: Linear | undefined,
  seq: string,
): _ValueSpec[] {
  const outs: _ValueSpec[] = [];
  if (projection !== undefined) {
    g.output(_l2Normalize(g, _linear(g, f.pooled ?? f.cls, projection)), 'embeds'); // [B, E]
    outs.push({ name: 'embeds', dtype: 'float32', dims: ['batch', projection.outFeatures] });
  }
  g.output(f.cls, 'cls'); // [B, D]
  g.output(f.tokens, 'tokens'); // [B, N, D]
  outs.push({ name: 'cls', dtype: 'float32', dims: ['batch', dim] });
  outs.push({ name: 'tokens', dtype: 'float32', dims: ['batch', seq, dim] });
  return outs;
}

function _shape(v: _ValueSpec): { name: string; dtype: 'float32' | 'int64'; shape: Array<number | string> } {
  return { name: v.name, dtype: v.dtype, shape: v.dims };
}

/**
 * Exports an image encoder (ViT or ResNet, run in eval mode: BatchNorm folded into the convs) and, when
 * given, its projection: input `pixels` [batch, S, S, 3] (NHWC, normalised as the encoder's config says),
 * outputs `embeds` [batch, E] (projected, unit rows), `cls` [batch, D] and `tokens` [batch, N, D].
 *
 * @example
 * ```ts
 * const { onnx, sidecar } = exportImageTower(model.towers.vision, model.towers.visionProj);
 * sidecar.embeddingOutput; // 'embeds'
 * ```
 */
export function exportImageTower(
  encoder: ImageEncoder,
  projection?: Linear,
  options: TowerExportOptions = {},
): ExportedTower {
  const opset = _opset(options.opset);
  const sd = {
    ..._prefixed('vision', encoder.stateDict()),
    ...(projection ? _prefixed('proj', projection.stateDict()) : {}),
  };
  const g = new _GraphBuilder(sd, opset);
  const size = encoder.config.imageSize;
  const input: _ValueSpec = { name: 'pixels', dtype: 'float32', dims: ['batch', size, size, 3] };
  let features: { tokens: string; cls: string };
  let architecture: string;
  if (encoder instanceof VisionTransformer) {
    features = _vitGraph(g, input.name, encoder);
    architecture = 'vit';
  } else if (encoder instanceof ResNetEncoder) {
    features = _resnetGraph(g, input.name, encoder);
    architecture = 'cnn';
  } else {
    throw new Error(`export: no ONNX exporter for image encoder ${encoder.constructor.name} (ViT or ResNet)`);
  }
  const outputs = _outputs(g, features, encoder.dim, projection, 'tokens');
  const preset = encoder.config.normalization;
  const sidecar = TowerSidecarSchema.parse({
    format: 'vlp-onnx-tower',
    version: 1,
    kind: 'image',
    architecture,
    opset,
    inputs: [{ ..._shape(input), role: 'pixels' }],
    outputs: outputs.map(_shape),
    embeddingOutput: projection ? 'embeds' : 'cls',
    normalized: projection !== undefined,
    image: {
      size,
      layout: 'NHWC',
      resize: 'pad',
      normalization: { preset, mean: [...NORMALIZATIONS[preset].mean], std: [...NORMALIZATIONS[preset].std] },
    },
  });
  const onnx = g.build(
    `vlp_image_${architecture}`,
    [input],
    outputs,
    `@vlp image tower (${encoder.config.name})`,
  );
  return { onnx, sidecar };
}

/**
 * Options of {@link exportTextTower}.
 *
 * @example
 * ```ts
 * const opts: TextTowerExportOptions = { maxLength: 16, tokenizer: 'tokenizer.json' };
 * ```
 */
export interface TextTowerExportOptions extends TowerExportOptions {
  /** Length texts are padded / truncated to (default: the position table's size). */
  maxLength?: number;
  /** Tokenizer file recorded in the sidecar, relative to it (default none). */
  tokenizer?: string | null;
}

/**
 * Exports a BERT text encoder (eval mode) and, when given, its projection: inputs `input_ids` and
 * `attention_mask` [batch, sequence] (int64; the sequence may be any length up to the position table),
 * outputs `embeds` [batch, E] (the projected `pooled` sentence embedding, unit rows), `cls` [batch, D] and `tokens` [batch, T, D].
 *
 * @example
 * ```ts
 * const { onnx, sidecar } = exportTextTower(model.towers.text, model.towers.textProj, { maxLength: 16 });
 * ```
 */
export function exportTextTower(
  bert: BertEncoder,
  projection?: Linear,
  options: TextTowerExportOptions = {},
): ExportedTower {
  const opset = _opset(options.opset);
  const sd = {
    ..._prefixed('text', bert.stateDict()),
    ...(projection ? _prefixed('proj', projection.stateDict()) : {}),
  };
  const g = new _GraphBuilder(sd, opset);
  const maxPositions = bert.embeddings.maxPositions;
  const maxLength = options.maxLength ?? maxPositions;
  if (maxLength > maxPositions) {
    throw new RangeError(
      `export: maxLength ${maxLength} exceeds the text encoder's ${maxPositions} positions`,
    );
  }
  const inputs: _ValueSpec[] = [
    { name: 'input_ids', dtype: 'int64', dims: ['batch', 'sequence'] },
    { name: 'attention_mask', dtype: 'int64', dims: ['batch', 'sequence'] },
  ];
  const features = _bertGraph(g, { inputIds: 'input_ids', attentionMask: 'attention_mask' }, bert);
  const outputs = _outputs(g, features, bert.dim, projection, 'sequence');
  const sidecar = TowerSidecarSchema.parse({
    format: 'vlp-onnx-tower',
    version: 1,
    kind: 'text',
    architecture: 'bert',
    opset,
    inputs: [
      { ..._shape(inputs[0] as _ValueSpec), role: 'input_ids' },
      { ..._shape(inputs[1] as _ValueSpec), role: 'attention_mask' },
    ],
    outputs: outputs.map(_shape),
    embeddingOutput: projection ? 'embeds' : 'cls',
    normalized: projection !== undefined,
    text: {
      maxLength,
      tokenizer: options.tokenizer ?? null,
      vocabSize: bert.config.vocabSize,
      padding: 'max_length',
    },
  });
  return { onnx: g.build('vlp_text_bert', inputs, outputs, '@vlp text tower (BERT)'), sidecar };
}

/**
 * Options of {@link exportTowers}.
 *
 * @example
 * ```ts
 * const opts: ExportTowersOptions = { tokenizer: tok, onProgress: (m) => console.log(m) };
 * ```
 */
export interface ExportTowersOptions extends TowerExportOptions {
  /** Written as tokenizer.json and named in text.json (recommended: the text tower is useless without it). */
  tokenizer?: WordPieceTokenizer;
  /** Called as each file is written. */
  onProgress?: (message: string) => void;
}

/**
 * Paths written by {@link exportTowers}.
 *
 * @example
 * ```ts
 * const { image, text } = await exportTowers(model, 'out', { tokenizer: tok }); // out/image.onnx, out/text.onnx
 * ```
 */
export interface ExportedTowerFiles {
  image: string;
  text: string;
  /** Present when a tokenizer was given. */
  tokenizer?: string;
  /** The sidecars, as written next to each `.onnx`. */
  imageSidecar: TowerSidecar;
  textSidecar: TowerSidecar;
}

/**
 * Writes a model's contrastive towers to `outDir`: `image.onnx` + `image.json`, `text.onnx` + `text.json`
 * and (given a tokenizer) `tokenizer.json`. Load them back with `loadOnnxEmbedder(outDir)`. The model is
 * switched to eval mode (dropout off, BatchNorm on running statistics), as inference runs it.
 *
 * @example
 * ```ts
 * const model = createModel('albef-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 8 });
 * await exportTowers(model, 'out/albef-onnx', { tokenizer: tok });
 * const embedder = await loadOnnxEmbedder('out/albef-onnx');
 * ```
 */
export async function exportTowers(
  model: VlpModel,
  outDir: string,
  options: ExportTowersOptions = {},
): Promise<ExportedTowerFiles> {
  const say = options.onProgress ?? (() => {});
  model.eval();
  const { vision, visionProj, text, textProj } = model.towers;
  if (options.tokenizer !== undefined && options.tokenizer.vocabSize !== text.config.vocabSize) {
    throw new Error(
      `export: tokenizer has ${options.tokenizer.vocabSize} tokens, the text encoder ${text.config.vocabSize}`,
    );
  }
  await mkdir(outDir, { recursive: true });
  const image = join(outDir, 'image.onnx');
  const img = exportImageTower(vision, visionProj, options); // no visionProj: `cls` is the embedding
  await writeFile(image, img.onnx);
  await writeSidecar(image, img.sidecar);
  say(`wrote ${image} (${(img.onnx.byteLength / 1e6).toFixed(2)} MB, ${img.sidecar.architecture})`);
  let tokenizer: string | undefined;
  if (options.tokenizer !== undefined) {
    tokenizer = join(outDir, 'tokenizer.json');
    await writeFile(tokenizer, `${JSON.stringify(tokenizerToJson(options.tokenizer))}\n`);
    say(`wrote ${tokenizer}`);
  }
  const textPath = join(outDir, 'text.onnx');
  const txt = exportTextTower(text, textProj, {
    ...options,
    maxLength: model.recipe.maxLength,
    tokenizer: tokenizer === undefined ? null : 'tokenizer.json',
  });
  await writeFile(textPath, txt.onnx);
  await writeSidecar(textPath, txt.sidecar);
  say(`wrote ${textPath} (${(txt.onnx.byteLength / 1e6).toFixed(2)} MB, bert)`);
  const out: ExportedTowerFiles = {
    image,
    text: textPath,
    imageSidecar: img.sidecar,
    textSidecar: txt.sidecar,
  };
  if (tokenizer !== undefined) out.tokenizer = tokenizer;
  return out;
}
