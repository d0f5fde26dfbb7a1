// Barrel for src/label: zero-shot labelling of an image folder (walk, resumable output, copy / move).
export { type LabelFolderOptions, type LabelProgress, type LabelSummary, labelFolder } from './label.js';
export { hasCopy, type OrganiseMode, organiseFile } from './organise.js';
export {
  CSV_HEADER,
  formatRow,
  type LabelRow,
  LabelRowSchema,
  LabelWriter,
  type OutputFormat,
  outputFormat,
  parseRow,
  readLabelled,
} from './output.js';
export { LABEL_IMAGE_EXTENSIONS, type WalkOptions, walkImages } from './walk.js';
