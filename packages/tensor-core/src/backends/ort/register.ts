// Bringing up the 'vlp-ort' backend: thread count, the binding self-test, and kernel registration.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadOrtRuntime, type OrtRuntime } from './_binding.js';
import { OrtRunner } from './_runner.js';
import { DEFAULT_MIN_ORT_SIZE, OrtBackend, registerOrtKernels } from './backend.js';
import { fusedGradients, fusedKernels } from './fused/index.js';
import { convKernels } from './kernels/conv.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { gatherKernels } from './kernels/gather.js';
import { matmulKernels } from './kernels/matmul.js';
import { reduceKernels } from './kernels/reduce.js';
import { shapeKernels } from './kernels/shape.js';

/** The tfjs backend name of the ORT backend. */
export const ORT_TFJS_NAME = 'vlp-ort';

/** Options for {@link registerOrtBackend}; every field has a default. */
export interface OrtBackendOptions {
  /** ORT intra-op threads; default `VLP_ORT_THREADS` or the available cores. */
  threads?: number;
  /** Let idle ORT workers spin between calls (faster alone, unfair on a shared machine); default `VLP_ORT_SPIN=1`, else off. */
  spin?: boolean;
  /** ORT per-session memory arenas (faster, more resident memory); default `VLP_ORT_ARENA=1`, else off. */
  arena?: boolean;
  /** Cached sessions (one per kernel signature) kept before the least recently used is disposed. */
  maxSessions?: number;
  /** Outputs smaller than this stay on the JS cpu kernels. */
  minOrtSize?: number;
}

/**
 * The ORT thread count: the option, else `VLP_ORT_THREADS`, else the available cores.
 * @example
 * ```ts
 * ortThreads(); // 2 on the build machine
 * ```
 */
export function ortThreads(option?: number): number {
  const env = Number.parseInt(process.env.VLP_ORT_THREADS ?? '', 10);
  const n = option ?? (Number.isFinite(env) && env > 0 ? env : availableParallelism());
  return Math.max(1, Math.floor(n));
}

function selfTest(runtime: OrtRuntime): string | undefined {
  const runner = new OrtRunner(runtime, { threads: 1, spin: false, arena: false, maxSessions: 4 });
  try {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]); // [2, 3]
    const b = new Float32Array([1, 0, -1, 2, 0.5, 0]); // [2, 3], used transposed
    const [y] = runner.run(
      'selftest',
      () => ({
        inputs: [
          { name: 'a', rank: 2 },
          { name: 'b', rank: 2 },
        ],
        outputs: [{ name: 'y', rank: 2 }],
        nodes: [
          {
            op: 'FusedMatMul',
            domain: 'com.microsoft',
            inputs: ['a', 'b'],
            outputs: ['y'],
            attrs: { transB: { i: 1 } },
          },
        ],
      }),
      [
        { data: a, shape: [2, 3] },
        { data: b, shape: [2, 3] },
      ],
      [{ shape: [2, 2] }],
    );
    const want = [-2, 3, -2, 10.5];
    const got = y instanceof Float32Array ? Array.from(y) : [];
    if (got.length !== 4 || got.some((v, i) => Math.abs(v - want[i]!) > 1e-6)) {
      return `self-test MatMul gave [${got}] instead of [${want}]`;
    }
    return undefined;
  } catch (e) {
    return `self-test failed: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    runner.dispose();
  }
}

let probed: { ok: true; version: string } | { ok: false; reason: string } | undefined;

/**
 * Loads the pinned onnxruntime-node binding and runs a tiny MatMul through it (once per process).
 * @example
 * ```ts
 * const p = probeOrtBinding(); // { ok: true, version: '1.30.0' }
 * ```
 */
export function probeOrtBinding(): { ok: true; version: string } | { ok: false; reason: string } {
  if (probed) return probed;
  const { runtime, error } = loadOrtRuntime();
  if (!runtime) {
    probed = { ok: false, reason: error ?? 'onnxruntime-node did not load' };
    return probed;
  }
  const bad = selfTest(runtime);
  probed = bad ? { ok: false, reason: bad } : { ok: true, version: runtime.version };
  return probed;
}

let registeredWith: Required<OrtBackendOptions> | undefined;

/**
 * Registers the 'vlp-ort' tfjs backend and its kernels (idempotent; the first call's options win). Throws with
 * the probe's reason when the binding is unusable. Does not make the backend current.
 * @example
 * ```ts
 * registerOrtBackend({ threads: 2 });
 * await tf.setBackend('vlp-ort');
 * ```
 */
export function registerOrtBackend(options: OrtBackendOptions = {}): void {
  if (registeredWith) return;
  const probe = probeOrtBinding();
  if (!probe.ok) throw new Error(`onnxruntime backend unavailable: ${probe.reason}`);
  const { runtime } = loadOrtRuntime();
  const opts: Required<OrtBackendOptions> = {
    threads: ortThreads(options.threads),
    spin: options.spin ?? process.env.VLP_ORT_SPIN === '1',
    arena: options.arena ?? process.env.VLP_ORT_ARENA === '1',
    maxSessions: options.maxSessions ?? 512,
    minOrtSize: options.minOrtSize ?? DEFAULT_MIN_ORT_SIZE,
  };
  tf.registerBackend(
    ORT_TFJS_NAME,
    () => new OrtBackend(new OrtRunner(runtime!, opts), opts.minOrtSize),
    // Below cpu's priority: tfjs never auto-picks it; select.ts chooses backends.
    0,
  );
  registerOrtKernels(ORT_TFJS_NAME, [
    ...fusedKernels,
    ...matmulKernels,
    ...elementwiseKernels,
    ...reduceKernels,
    ...shapeKernels,
    ...convKernels,
    ...gatherKernels,
  ]);
  for (const g of fusedGradients) tf.registerGradient(g);
  registeredWith = opts;
}

/** The options the backend was registered with, or undefined before registration. */
export function ortBackendOptions(): Readonly<Required<OrtBackendOptions>> | undefined {
  return registeredWith;
}
