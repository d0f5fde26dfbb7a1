// Barrel for src/recipes: ALBEF, SOHO, UNIMO-2, Pixel-BERT and CAVL as JSON recipes, the model they build,
// and the batch builder from corpus samples to tensors.
export type { BatchBuilderOptions } from './batch.js';
export { createBatchBuilder, trainCaptionTokenizer } from './batch.js';
export type { Recipe, RecipeMethod, RecipeOverrides } from './config.js';
export { getRecipe, listRecipes, parseRecipe, RecipeSchema, registerRecipe } from './config.js';
export type { VlpBatch } from './model.js';
export { createModel, VlpModel } from './model.js';
export type { RecipeRun, RecipeRunOptions } from './run.js';
export { createRecipeRun } from './run.js';
export type { LoadedModel } from './saved.js';
export { loadModel, MODEL_FILES, saveModel } from './saved.js';
