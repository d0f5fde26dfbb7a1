// Barrel for src/export: ONNX export of the image and text towers (with projections), their JSON sidecars,
// and running ONNX tower pairs (ours or a user's CLIP-style pair) as an Embedder through onnxruntime-node.
export { ClipTokenizer } from './clip-tokenizer.js';
export {
  EXPORT_OPSET,
  type ExportedTower,
  type ExportedTowerFiles,
  type ExportTowersOptions,
  exportImageTower,
  exportTextTower,
  exportTowers,
  type TextTowerExportOptions,
  type TowerExportOptions,
} from './export.js';
export {
  loadOnnxEmbedder,
  loadTokenizerFile,
  type OnnxEmbedder,
  type OnnxEmbedderOptions,
  type OnnxEmbedderSource,
  onnxEmbedder,
  type TextTokenizer,
} from './onnx-embedder.js';
export { type InputRole, OnnxTower, type OnnxTowerOptions, type TokenBatch } from './onnx-tower.js';
export {
  INPUT_ROLES,
  readSidecar,
  sidecarPath,
  type TowerSidecar,
  type TowerSidecarInput,
  TowerSidecarSchema,
  writeSidecar,
} from './sidecar.js';
