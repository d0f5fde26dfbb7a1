// Barrel for src/retrieval: the flat embedding index, ranks with optional ITM re-ranking, Recall@K, and
// COCO / Flickr30K Karpathy-split evaluation.
export {
  evaluateKarpathy,
  evaluateRetrieval,
  type KarpathyImage,
  parseKarpathy,
  type RetrievalMetrics,
} from './karpathy.js';
export {
  EmbeddingIndex,
  type ItmScorer,
  type RetrievalInput,
  recallAtK,
  retrievalRanks,
  type SearchHit,
} from './rank.js';
