// Barrel for src/checkpoint: each file here adds its own export line.

export { SAFETENSORS_DTYPES } from './_dtypes.js';
export type {
  CheckpointContents,
  CheckpointManifest,
  LoadedCheckpoint,
  SaveCheckpointOptions,
} from './directory.js';
export {
  latestCheckpoint,
  loadCheckpoint,
  MANIFEST_FILE,
  saveCheckpoint,
  verifyCheckpoint,
} from './directory.js';
export { CheckpointError } from './errors.js';
export type { WriteHook } from './files.js';
export { readSafetensorsFile, serialQueue, writeFileAtomic, writeSafetensorsFile } from './files.js';
export type {
  DecodedSafetensors,
  DecodeSafetensorsOptions,
  SafetensorsDtype,
  SafetensorsEntry,
  SafetensorsHeader,
  SafetensorsTensorInfo,
} from './safetensors.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
} from './safetensors.js';
