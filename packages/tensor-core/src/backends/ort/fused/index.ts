// Fused kernels (one ORT graph forward, one backward) registered only for the ORT backend.
import type { OrtKernelDef } from '../backend.js';

export const fusedKernels: OrtKernelDef[] = [];
