// Barrel for src/testing: each file here adds its own export line.

export { testBackends, useBackend } from './backends.js';
export type { GradCheckOptions, GradCheckResult } from './gradcheck.js';
export { checkGradients, checkParameterGradients } from './gradcheck.js';
export { countTensorsDuring, countTensorsDuringAsync, expectNoTensorLeak } from './memory.js';
