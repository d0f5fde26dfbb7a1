// The one module that touches onnxruntime-node's internal native binding (pinned: onnxruntime-node 1.30.0).
// The public InferenceSession.run only wraps the binding's synchronous run in setImmediate; a tfjs kernel must
// return synchronously, so we call the binding directly, and a start-up self-test checks its shape before use.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The element types we hand to ORT (the subset of onnxruntime-common's tensor types we use). */
export type OrtDType = 'float32' | 'int32' | 'int64' | 'bool';
export type OrtData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** An onnxruntime-common Tensor, seen through the fields we read. */
export interface OrtTensor {
  readonly data: OrtData;
  readonly dims: readonly number[];
  readonly type: string;
}

interface TensorCtor {
  new (type: OrtDType, data: OrtData, dims: readonly number[]): OrtTensor;
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, OrtTensor>,
    fetches: Record<string, OrtTensor | null>,
    options: object,
  ): Record<string, OrtTensor>;
  dispose(): void;
  readonly inputMetadata: readonly { name: string }[];
  readonly outputMetadata: readonly { name: string }[];
}

/** Session options we pass to the native loader (a subset of onnxruntime-common's SessionOptions). */
export interface NativeSessionOptions {
  intraOpNumThreads: number;
  /** When false, idle ORT worker threads sleep instead of spinning (fair to the JS thread and neighbours). */
  spin: boolean;
  /** ORT's per-session memory arena: faster re-allocation, but each session keeps its peak working set. */
  arena: boolean;
  /** ORT's memory pattern (one planned block per run); default true. */
  memPattern?: boolean;
}

/** A loaded ORT session with synchronous run. */
export interface SyncSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph; outputs named in `outputs` are written into the given preallocated tensors. */
  run(feeds: Record<string, OrtTensor>, outputs: Record<string, OrtTensor>): void;
  dispose(): void;
}

/** What loading the binding gives: the Tensor constructor and a session factory. */
export interface OrtRuntime {
  readonly version: string;
  readonly Tensor: TensorCtor;
  createSession(model: Uint8Array, options: NativeSessionOptions): SyncSession;
}

const PINNED_VERSION = '1.30.0';
const require_ = createRequire(import.meta.url);

let cached: { runtime?: OrtRuntime; error?: string } | undefined;

function isFn(x: unknown): boolean {
  return typeof x === 'function';
}

function load(): OrtRuntime {
  const main = require_.resolve('onnxruntime-node');
  const pkgDir = dirname(dirname(main));
  const version = (require_(join(pkgDir, 'package.json')) as { version?: string }).version ?? 'unknown';
  if (version !== PINNED_VERSION) {
    throw new Error(`onnxruntime-node ${version} found, the ORT backend is pinned to ${PINNED_VERSION}`);
  }
  const pub = require_(main) as { Tensor?: unknown };
  const internal = require_(join(dirname(main), 'binding.js')) as { binding?: unknown; initOrt?: unknown };
  if (!isFn(internal.initOrt)) throw new Error('onnxruntime-node dist/binding.js has no initOrt()');
  const binding = internal.binding as { InferenceSession?: unknown } | undefined;
  if (!binding || !isFn(binding.InferenceSession)) {
    throw new Error('onnxruntime-node native binding has no InferenceSession constructor');
  }
  const proto = (binding.InferenceSession as { prototype: Record<string, unknown> }).prototype;
  for (const m of ['loadModel', 'run', 'dispose']) {
    if (!isFn(proto[m])) throw new Error(`onnxruntime-node native InferenceSession has no ${m}()`);
  }
  if (!isFn(pub.Tensor)) throw new Error('onnxruntime-node exports no Tensor');
  (internal.initOrt as () => void)();
  const Native = binding.InferenceSession as new () => NativeSession;
  const Tensor = pub.Tensor as TensorCtor;
  const runOptions = {};
  return {
    version,
    Tensor,
    createSession(model, options) {
      const native = new Native();
      native.loadModel(model.buffer, model.byteOffset, model.byteLength, {
        intraOpNumThreads: options.intraOpNumThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        enableCpuMemArena: options.arena,
        enableMemPattern: options.memPattern ?? true,
        extra: { session: { intra_op: { allow_spinning: options.spin ? '1' : '0' } } },
      });
      const inputNames = native.inputMetadata.map((m) => m.name);
      const outputNames = native.outputMetadata.map((m) => m.name);
      return {
        inputNames,
        outputNames,
        run(feeds, outputs) {
          native.run(feeds, outputs, runOptions);
        },
        dispose() {
          native.dispose();
        },
      };
    },
  };
}

/**
 * Loads the binding once. Returns the runtime, or the reason it cannot be used (never throws), so the backend
 * probe can step aside with a clear message.
 */
export function loadOrtRuntime(): { runtime?: OrtRuntime; error?: string } {
  if (cached) return cached;
  try {
    cached = { runtime: load() };
  } catch (e) {
    cached = { error: e instanceof Error ? e.message : String(e) };
  }
  return cached;
}
