// A bounded cache of ORT sessions, one per kernel signature, and the synchronous call that feeds tfjs storage to
// ORT and has ORT write straight into freshly allocated output arrays (no output copy).

import type { OrtData, OrtDType, OrtRuntime, SyncSession } from './_binding.js';
import { buildModel, type GraphSpec } from './_onnx.js';

export interface RunnerOptions {
  threads: number;
  spin: boolean;
  arena: boolean;
  /** Least-recently-used sessions beyond this count are disposed. */
  maxSessions: number;
}

/** One ORT input: a typed array over tfjs storage and its shape. */
export interface Feed {
  data: OrtData;
  shape: readonly number[];
}

/** One ORT output to allocate: its shape and element type. */
export interface OutSpec {
  shape: readonly number[];
  dtype?: 'float32' | 'int32';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function dtypeOf(data: OrtData): OrtDType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'bool';
}

export class OrtRunner {
  private readonly sessions = new Map<string, SyncSession>();
  /** Number of sessions built so far (a test and the bench read it). */
  built = 0;
  /** Number of ORT calls made (for the bench's per-call overhead estimate). */
  calls = 0;

  constructor(
    readonly runtime: OrtRuntime,
    readonly options: RunnerOptions,
  ) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The cached session for `key`, building it from `spec()` on first use. */
  session(key: string, spec: () => GraphSpec): SyncSession {
    const hit = this.sessions.get(key);
    if (hit) {
      // Re-insert to mark as most recently used.
      this.sessions.delete(key);
      this.sessions.set(key, hit);
      return hit;
    }
    const graph = spec();
    const s = this.runtime.createSession(buildModel(graph), {
      intraOpNumThreads: this.options.threads,
      spin: this.options.spin,
      arena: this.options.arena,
      memPattern: graph.memPattern ?? true,
    });
    this.built++;
    this.sessions.set(key, s);
    if (this.sessions.size > this.options.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) {
        this.sessions.get(oldest)?.dispose();
        this.sessions.delete(oldest);
      }
    }
    return s;
  }

  /**
   * Runs the session for `key` on `feeds` (in graph-input order) and returns one new typed array per output spec
   * (in graph-output order), which ORT fills in place.
   */
  run(key: string, spec: () => GraphSpec, feeds: readonly Feed[], outs: readonly OutSpec[]): OrtData[] {
    const s = this.session(key, spec);
    const T = this.runtime.Tensor;
    const inputs: Record<string, InstanceType<typeof T>> = {};
    for (let i = 0; i < feeds.length; i++) {
      const f = feeds[i]!;
      inputs[s.inputNames[i]!] = new T(dtypeOf(f.data), f.data, f.shape);
    }
    const results: OrtData[] = [];
    const outputs: Record<string, InstanceType<typeof T>> = {};
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!;
      const n = sizeOf(o.shape);
      const data = o.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      results.push(data);
      outputs[s.outputNames[i]!] = new T(o.dtype ?? 'float32', data, o.shape);
    }
    this.calls++;
    s.run(inputs, outputs);
    return results;
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
  }
}
