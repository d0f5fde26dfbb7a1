// @vlp/cli: The `vlp` command: doctor, ingest, pretrain, eval, label, export, demo.

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
export { createProgram } from './program.js';
export { VERSION } from './version.js';
