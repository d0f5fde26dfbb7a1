// Types shared by backend selection (select.ts) and each backend candidate (one folder or file per backend).

/** Names users pass to `selectBackend` or `VLP_BACKEND`, in default preference order. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'ort', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What probing a backend found: available or not, and why not. */
export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it is unavailable ("tfjs-node-gpu not installed", "no WebGPU adapter: ..."). */
  reason?: string;
  /** Extra facts when available (adapter name, thread count, library version). */
  detail?: string;
  /**
   * False when the backend works but 'auto' must not pick it (a software WebGPU adapter such as llvmpipe is
   * slower than wasm); it can still be requested by name. Absent means true.
   */
  autoSelect?: boolean;
}

/**
 * One backend we know how to bring up. `probe` must be cheap, never throw, and may cache its answer;
 * `activate` registers the tfjs backend under `tfjsName` (idempotent) but does NOT make it current:
 * select.ts is the only code that calls `tf.setBackend`. `release`, when present, frees what `activate`
 * acquired (a GPU device) so the process can exit and the backend can be activated again later.
 */
export interface BackendCandidate {
  name: BackendName;
  /** The tfjs backend name registered with the engine (e.g. 'ort' -> 'vlp-ort'). */
  tfjsName: string;
  description: string;
  probe(): Promise<BackendProbe>;
  activate(): Promise<void>;
  release?(): Promise<void>;
}
