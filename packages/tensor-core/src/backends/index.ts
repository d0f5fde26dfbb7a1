// Barrel for src/backends: each file here adds its own export line.

export { ensureGradients } from './_gradients.js';
export {
  type AdamStep,
  adamStep,
  FusedAdam,
  type FusedAdamOptions,
  ORT_TFJS_NAME,
  type OrtBackendOptions,
  ortThreads,
} from './ort/index.js';
export type { BackendPreference, BackendReport, SelectedBackend, SelectOptions } from './select.js';
export {
  backendReport,
  formatBackendReport,
  parseBackendName,
  registerBackendCandidate,
  releaseBackends,
  selectBackend,
} from './select.js';
export type { BackendCandidate, BackendName, BackendProbe } from './types.js';
export { BACKEND_NAMES } from './types.js';
