// Barrel for src/random: seeded streams and initialisers that give identical weights on every backend.
export * as init from './init.js';
export type { RngState } from './rng.js';
export { defaultRng, Rng, seedDefaultRng } from './rng.js';
