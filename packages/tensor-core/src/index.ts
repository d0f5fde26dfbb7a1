// @vlp/tensor-core: backend selection over TensorFlow.js backends, the module system and layers every tower
// needs, safetensors checkpoints, seeded randomness and a finite-difference gradient checker.

export type { BackendCandidate, BackendName, BackendProbe } from './backends/types.js';
export { BACKEND_NAMES } from './backends/types.js';
