// Synchronous negative sampling for the recipes' loss functions (the Trainer's lossFn runs inside the
// gradient tape and cannot await): ALBEF's hard negatives (Li et al. 2021) drawn from softmax(similarity)
// with the positive zeroed, read from host memory, so no gradient flows through the draw. Same law as
// objectives/itm.ts's async sampleHardNegatives.
import type { Rng } from '@vlp/tensor-core';
import type { HardNegatives } from '../objectives/index.js';

function _drawRow(logits: Float32Array, row: number, b: number, rng: Rng): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < b; k++) if (k !== row) max = Math.max(max, logits[row * b + k] as number);
  const w = new Float64Array(b);
  let total = 0;
  for (let k = 0; k < b; k++) {
    if (k === row) continue;
    w[k] = Math.exp((logits[row * b + k] as number) - max);
    total += w[k] as number;
  }
  if (!(total > 0) || !Number.isFinite(total)) {
    const r = rng.int(b - 1);
    return r >= row ? r + 1 : r;
  }
  let u = rng.uniform() * total;
  let last = row === 0 ? 1 : 0;
  for (let k = 0; k < b; k++) {
    if (k === row) continue;
    last = k;
    u -= w[k] as number;
    if (u < 0) return k;
  }
  return last;
}

/** Hard negatives from a host copy of sim [B, B] (image rows, text columns). */
export function _hardNegativesSync(sim: Float32Array, b: number, rng: Rng): HardNegatives {
  const t = new Float32Array(b * b);
  for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) t[j * b + i] = sim[i * b + j] as number;
  const textForImage: number[] = [];
  for (let i = 0; i < b; i++) textForImage.push(_drawRow(sim, i, b, rng));
  const imageForText: number[] = [];
  for (let j = 0; j < b; j++) imageForText.push(_drawRow(t, j, b, rng));
  return { imageForText, textForImage };
}
