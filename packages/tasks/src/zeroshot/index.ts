// Barrel for src/zeroshot: the Embedder interface and its VlpModel adapter, the colour-histogram baseline,
// prompt templates, the CLIP-style zero-shot classifier and test-time shift averaging.
export {
  ClassEmbeddingCache,
  classEmbeddings,
  type LabelScore,
  ZeroShotClassifier,
  type ZeroShotOptions,
  type ZeroShotPrediction,
} from './classifier.js';
export { COLOUR_TERMS, colourEmbedder, colourHistogram, colourWords } from './colour.js';
export { type Embedder, type VlpEmbedderOptions, vlpEmbedder } from './embedder.js';
export { DEFAULT_TEMPLATES, fillTemplate } from './templates.js';
export { shiftAveraged, shiftImage } from './tta.js';
