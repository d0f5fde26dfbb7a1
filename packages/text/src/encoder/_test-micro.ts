// Test helper (not built): a text encoder config small enough for finite-difference gradient checks.
import type { TextEncoderConfig } from './config.js';

/** A config small enough for finite differences: every parameter tensor has a handful of entries. */
export const MICRO: TextEncoderConfig = {
  vocabSize: 13,
  dim: 8,
  depth: 1,
  heads: 2,
  mlpDim: 16,
  maxPositions: 8,
  typeVocabSize: 2,
  dropout: 0,
  layerNormEps: 1e-12,
  // Embeddings of std 0.02 feed a LayerNorm that magnifies them ~30x; at that scale a float32 finite difference
  // (eps 1e-2) is no longer local. Std 0.5 keeps every activation O(1) so the check measures the gradients.
  initStd: 0.5,
};
