// Barrel for src/testing: each file here adds its own export line.
export {};
export { testBackends, useBackend } from './backends.js';
