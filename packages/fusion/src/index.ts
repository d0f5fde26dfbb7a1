// @vlp/fusion: Visual dictionary (SOHO), grounded dictionary (UNIMO-2) and fusion transformers
// (single-stream: Pixel-BERT / SOHO; cross-attention: ALBEF; grounded: UNIMO-2) behind one interface.
export const VERSION = '0.1.0';

// SOHO's visual dictionary and its raw/quantised gate.
export type {
  VisualDictionaryCallOptions,
  VisualDictionaryOptions,
  VisualDictionaryOutput,
  VisualDictionaryStats,
} from './dictionary/visual-dictionary.js';
export { VisualDictionary } from './dictionary/visual-dictionary.js';
export { VisualGate } from './dictionary/visual-gate.js';
