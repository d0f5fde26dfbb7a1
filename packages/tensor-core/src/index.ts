// @vlp/tensor-core: backend selection over TensorFlow.js backends, the module system and layers every tower
// needs, safetensors checkpoints, seeded randomness and a finite-difference gradient checker.
// Test helpers (gradient checker, backend-parameterised suites) live at '@vlp/tensor-core/testing'.
export * from './backends/index.js';
export * from './checkpoint/index.js';
export * from './config/index.js';
export * from './nn/index.js';
export * from './ops/index.js';
export * from './random/index.js';
