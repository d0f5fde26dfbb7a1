// Test helpers for this folder: run the same computation on 'cpu' and 'vlp-ort' and compare.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../_gradients.js';
import type { OrtBackend } from './backend.js';
import { ORT_TFJS_NAME, registerOrtBackend } from './register.js';

/** Registers the backend and makes every kernel call eligible for ORT (no size threshold). */
export async function setUpOrt(): Promise<OrtBackend> {
  await ensureGradients();
  registerOrtBackend({ threads: 2 });
  await tf.setBackend(ORT_TFJS_NAME);
  const backend = tf.backend() as OrtBackend;
  backend.minOrtSize = 1;
  return backend;
}

/** Deterministic pseudo-random values in [-1, 1) (a small LCG; tests need no quality). */
export function seeded(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `fn` on `backend` and reads every returned tensor back (disposing what it made). */
export function runOn(
  backend: string,
  fn: () => tf.Tensor | tf.Tensor[],
): { values: number[]; shape: number[] }[] {
  const prev = tf.getBackend();
  tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const out = fn();
      return (Array.isArray(out) ? out : [out]).map((t) => ({
        values: Array.from(t.dataSync()),
        shape: t.shape,
      }));
    });
  } finally {
    tf.setBackend(prev);
  }
}

/** Largest |a-b| / max(1, |b|) over two equally long arrays (Infinity on a length mismatch). */
export function maxRelErr(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
  }
  return worst;
}
