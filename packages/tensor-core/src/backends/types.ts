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
}

/**
 * One backend we know how to bring up. `probe` must be cheap and never throw; `activate` registers the
 * tfjs backend (if needed) and makes it current via tf.setBackend. Selection lives in select.ts only.
 */
export interface BackendCandidate {
  name: BackendName;
  /** The tfjs backend name registered with the engine (e.g. 'ort' -> 'vlp-ort'). */
  tfjsName: string;
  description: string;
  probe(): Promise<BackendProbe>;
  activate(): Promise<void>;
}
