// A trained model on disk, what `vlp pretrain` writes and `vlp label`, `vlp eval` and `vlp export` read:
// one directory holding `model.json` (format tag, the full recipe, vocabulary size), `model.safetensors`
// (the module tree's parameters and buffers, plus ALBEF's momentum towers under `momentum/`) and the
// tokenizer as a Hugging Face `tokenizer.json`. `model.json` is written last, so a directory that has it is
// complete. Every load error names the file and what is wrong with it.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  Rng,
  readSafetensorsFile,
  writeFileAtomic,
  writeSafetensorsFile,
} from '@vlp/tensor-core';
import { tokenizerFromJson, tokenizerToJson, type WordPieceTokenizer } from '@vlp/text';
import { z } from 'zod';
import { parseRecipe, type Recipe } from './config.js';
import { createModel, type VlpModel } from './model.js';

/**
 * The file names of a trained-model directory.
 *
 * @example
 * ```ts
 * existsSync(join(dir, MODEL_FILES.config)); // a complete trained-model directory
 * ```
 */
export const MODEL_FILES = {
  config: 'model.json',
  weights: 'model.safetensors',
  tokenizer: 'tokenizer.json',
} as const;

const FORMAT = 'vlp-model';
const MOMENTUM = 'momentum/';

const ModelJsonSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  vocabSize: z.number().int().positive(),
  recipe: z.unknown(),
});

/**
 * A model read back by {@link loadModel}; the caller owns `model` and disposes it.
 *
 * @example
 * ```ts
 * const { model, tokenizer, recipe } = await loadModel('runs/albef-tiny');
 * ```
 */
export interface LoadedModel {
  model: VlpModel;
  tokenizer: WordPieceTokenizer;
  recipe: Recipe;
  /** The directory it came from. */
  dir: string;
}

/**
 * Writes `model` (weights, recipe) and `tokenizer` into `dir` (created if needed; files replaced).
 *
 * @example
 * ```ts
 * await saveModel('runs/albef-tiny', model, tokenizer);
 * const again = await loadModel('runs/albef-tiny');
 * ```
 */
export async function saveModel(dir: string, model: VlpModel, tokenizer: WordPieceTokenizer): Promise<void> {
  const vocabSize = model.towers.text.config.vocabSize;
  if (tokenizer.vocabSize !== vocabSize)
    throw new Error(`saveModel: tokenizer has ${tokenizer.vocabSize} tokens, the model ${vocabSize}`);
  await mkdir(dir, { recursive: true });
  const weights: Record<string, tf.Tensor> = { ...model.stateDict() };
  if (model.momentum)
    for (const [k, v] of Object.entries(model.momentum.model.stateDict())) weights[`${MOMENTUM}${k}`] = v;
  await writeSafetensorsFile(join(dir, MODEL_FILES.weights), weights, {
    format: 'pt',
    recipe: model.recipe.name,
  });
  await writeFileAtomic(
    join(dir, MODEL_FILES.tokenizer),
    `${JSON.stringify(tokenizerToJson(tokenizer), null, 2)}\n`,
  );
  const config = { format: FORMAT, version: 1, vocabSize, recipe: model.recipe };
  await writeFileAtomic(join(dir, MODEL_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
}

async function _readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? `missing (not a trained-model directory? ${what})` : `cannot read (${code})`;
    throw new CheckpointError(path, why, { cause: e });
  }
}

function _parse<T>(path: string, text: string, parse: (value: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(path, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
  try {
    return parse(value);
  } catch (e) {
    const msg = e instanceof z.ZodError ? z.prettifyError(e) : (e as Error).message;
    throw new CheckpointError(path, `invalid: ${msg}`, { cause: e });
  }
}

/**
 * Reads a directory written by {@link saveModel} (or `vlp pretrain`): rebuilds the recipe's model, loads
 * every weight strictly (a missing, extra or mis-shaped tensor is an error naming the file) and the
 * tokenizer. The model is in eval mode. ALBEF's feature queues are not saved (they are training state, in
 * the Trainer's checkpoints): to pre-train further, resume from a checkpoint instead.
 *
 * @throws CheckpointError naming the file: missing, not JSON, wrong format, corrupt safetensors, weights
 * that do not fit the recipe, a tokenizer whose size differs from the model's.
 * @example
 * ```ts
 * const { model, tokenizer } = await loadModel('runs/albef-tiny');
 * const embedder = vlpEmbedder({ model, tokenizer, id: 'runs/albef-tiny' });
 * ```
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const configPath = join(dir, MODEL_FILES.config);
  const tokPath = join(dir, MODEL_FILES.tokenizer);
  const weightsPath = join(dir, MODEL_FILES.weights);
  const config = _parse(configPath, await _readText(configPath, 'vlp pretrain writes it last'), (v) =>
    ModelJsonSchema.parse(v),
  );
  const recipe = _parse(configPath, JSON.stringify(config.recipe), (v) => parseRecipe(v, 'recipe'));
  const tokenizer = _parse(tokPath, await _readText(tokPath, 'the tokenizer'), (v) =>
    tokenizerFromJson(v as object),
  );
  if (tokenizer.vocabSize !== config.vocabSize)
    throw new CheckpointError(
      tokPath,
      `has ${tokenizer.vocabSize} tokens but ${MODEL_FILES.config} says ${config.vocabSize}`,
    );
  const { tensors } = await readSafetensorsFile(weightsPath);
  const batchSize = recipe.momentum?.queueSize ?? 1; // sizes ALBEF's queues only, which are not saved
  let model: VlpModel;
  try {
    model = createModel(recipe, {}, new Rng(0), { vocabSize: config.vocabSize, batchSize });
  } catch (e) {
    // Overrides a tower rejects, sizes no typed array can hold, lengths past the position table.
    for (const t of Object.values(tensors)) t.dispose();
    throw new CheckpointError(configPath, `recipe does not build a model: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const own: Record<string, tf.Tensor> = {};
    const momentum: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) {
      if (k.startsWith(MOMENTUM)) momentum[k.slice(MOMENTUM.length)] = t;
      else own[k] = t;
    }
    model.loadStateDict(own);
    if (model.momentum) model.momentum.model.loadStateDict(momentum);
    else if (Object.keys(momentum).length > 0)
      throw new Error('momentum tensors for a recipe without momentum');
  } catch (e) {
    model.dispose();
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(weightsPath, `does not fit recipe "${recipe.name}": ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  model.eval();
  return { model, tokenizer, recipe, dir };
}
