// Barrel for src/backends: each file here adds its own export line.
export {};
export { BACKEND_NAMES } from './types.js';
export type { BackendCandidate, BackendName, BackendProbe } from './types.js';
