// @vlp/cli: The `vlp` command: doctor, ingest, pretrain, eval, label, export, demo.

export { registerAblate } from './commands/ablate.js';
export { formatDemoResult, registerDemo } from './commands/demo.js';
export type { DoctorReport } from './commands/doctor.js';
export { doctor, formatDoctor, registerDoctor } from './commands/doctor.js';
export { evaluateFolder, type FolderAccuracy, registerEval } from './commands/eval.js';
export { registerIngest } from './commands/ingest.js';
export { registerLabel } from './commands/label.js';
export {
  type PretrainOptions,
  type PretrainSummary,
  pretrain,
  registerPretrain,
} from './commands/pretrain.js';
export {
  ABLATION_RECIPES,
  ABLATION_VD_SIZES,
  type AblationOptions,
  type AblationRow,
  type AblationVariant,
  ablationVariants,
  formatAblation,
  runAblation,
} from './demo/ablate.js';
export { type AugmentOptions, augmentPixels } from './demo/augment.js';
export {
  confusionMatrix,
  DEMO_TEMPLATES,
  type DemoMetrics,
  type DemoPredictions,
  DemoPredictionsSchema,
  evaluateDemo,
  readEvalRows,
  summarisePredictions,
} from './demo/evaluate.js';
export { DEMO_DEFAULTS, DEMO_RECIPE, DEMO_RECIPE_UNALIGNED, ensureDemoRecipe } from './demo/recipe.js';
export { DEMO_TARGETS, readLossPoints } from './demo/report.js';
export { type DemoOptions, type DemoResult, runDemo, withClassCaptions } from './demo/run.js';
export { createProgram } from './program.js';
export { VERSION } from './version.js';
