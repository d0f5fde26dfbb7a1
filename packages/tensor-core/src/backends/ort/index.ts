// The onnxruntime-accelerated TensorFlow.js CPU backend ('vlp-ort').
export { ortCandidate } from './candidate.js';
export { type AdamStep, adamStep, FusedAdam, type FusedAdamOptions } from './fused/adam.js';
export {
  ORT_TFJS_NAME,
  type OrtBackendOptions,
  ortBackendOptions,
  ortThreads,
  probeOrtBinding,
  registerOrtBackend,
} from './register.js';
