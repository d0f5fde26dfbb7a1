// Seeded pseudo-random numbers for everything in @vlp that must be reproducible: weight init, dropout
// masks, data shuffling, MLM masking. xoshiro128** (Blackman & Vigna, 2018) on four uint32 words, seeded
// through splitmix32. Numbers are generated in JavaScript, never by a tfjs backend, so the same seed
// gives bit-identical weights and masks on cpu, wasm, webgpu and ort.

const ALGORITHM = 'xoshiro128**';
const TWO_POW_32 = 4294967296;

/**
 * JSON-serialisable snapshot of an {@link Rng}; `setState` restores it exactly.
 * @example
 * ```ts
 * const state: RngState = JSON.parse(json);
 * const rng = Rng.fromState(state);
 * ```
 */
export interface RngState {
  algorithm: typeof ALGORITHM;
  /** The four uint32 state words. */
  s: [number, number, number, number];
  /** Box-Muller produces normals in pairs; the unused one is part of the state. */
  spareNormal: number | null;
}

function _rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32 step: a well-mixed uint32 from a counter; used to expand seeds into state words. */
function _splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) >>> 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a label. */
function _hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

function _isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO_POW_32;
}

/**
 * A small, fast, seeded generator (xoshiro128**). One `Rng` is one stream; `fork(label)` derives an
 * independent stream deterministically, and `getState`/`setState` allow exact resume of training.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform(); // in [0, 1)
 * rng.normal(); // standard normal
 * const order = rng.shuffle([0, 1, 2, 3]);
 * const dataRng = rng.fork('data'); // independent of rng's own draws
 * const saved = JSON.stringify(rng.getState());
 * rng.setState(JSON.parse(saved));
 * ```
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** @param seed any finite number (integers up to 2^53 use all their bits). */
  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}`);
    const lo = Math.floor(seed) >>> 0;
    const hi = Math.floor(Math.floor(seed) / TWO_POW_32) >>> 0;
    this.seedWords(lo ^ Math.imul(hi, 0x9e3779b1), hi);
  }

  /**
   * Creates an Rng from a state saved by `getState`.
   * @example
   * ```ts
   * const copy = Rng.fromState(new Rng(1).getState());
   * ```
   */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  private seedWords(a: number, b: number): void {
    const sm = { x: a >>> 0 };
    this.s0 = _splitmix32(sm);
    this.s1 = _splitmix32(sm) ^ b;
    this.s2 = _splitmix32(sm);
    this.s3 = _splitmix32(sm);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spare = null;
  }

  /**
   * Next raw uint32.
   * @example
   * ```ts
   * const word = new Rng(3).nextUint32(); // 0 <= word < 2**32
   * ```
   */
  nextUint32(): number {
    const result = Math.imul(_rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = _rotl(this.s3, 11);
    return result;
  }

  /**
   * Uniform in [low, high); the default [0, 1) draws have 24 bits, so they are exact in float32 and
   * never round up to 1.
   * @example
   * ```ts
   * const u = new Rng(0).uniform(-1, 1);
   * ```
   */
  uniform(low = 0, high = 1): number {
    const u = (this.nextUint32() >>> 8) / 16777216;
    return low + (high - low) * u;
  }

  /**
   * Normal with the given mean and std (Box-Muller; pairs are cached so no draw is wasted).
   * @example
   * ```ts
   * const z = new Rng(0).normal(0, 0.02);
   * ```
   */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    const u1 = (this.nextUint32() + 1) / TWO_POW_32; // (0, 1]: log is finite
    const u2 = this.nextUint32() / TWO_POW_32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  /**
   * Uniform integer in [0, n), unbiased (rejection sampling); n must be an integer in [1, 2^32].
   * @example
   * ```ts
   * const die = new Rng(0).int(6) + 1;
   * ```
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new Error(`Rng.int(n) needs an integer 1 <= n <= 2^32, got ${n}`);
    }
    const limit = Math.floor(TWO_POW_32 / n) * n;
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /**
   * Fisher-Yates shuffle in place; returns the same array.
   * @example
   * ```ts
   * const perm = new Rng(7).shuffle([...Array(10).keys()]);
   * ```
   */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }

  /**
   * An independent stream derived from this stream's current state and `label`. Forking does not
   * advance this stream, so it is a pure function of (state, label): use distinct labels for distinct
   * purposes ('data', 'dropout', 'mlm'), and the same label to reproduce a stream.
   * @example
   * ```ts
   * const root = new Rng(0);
   * const a = root.fork('augment');
   * const b = root.fork('mlm'); // differs from a
   * ```
   */
  fork(label: string): Rng {
    const child = new Rng(0);
    const h = _hashLabel(label);
    const sm = { x: (h ^ Math.imul(this.s0, 0x85ebca6b)) >>> 0 };
    child.s0 = (this.s0 ^ _splitmix32(sm) ^ _splitmix32({ x: this.s2 ^ h })) >>> 0;
    child.s1 = (this.s1 ^ _splitmix32(sm)) >>> 0;
    child.s2 = (this.s2 ^ _splitmix32(sm)) >>> 0;
    child.s3 = (this.s3 ^ _splitmix32(sm) ^ _splitmix32({ x: this.s1 ^ h })) >>> 0;
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    // Discard a few outputs so that nearby states decorrelate fully.
    for (let i = 0; i < 8; i++) child.nextUint32();
    return child;
  }

  /**
   * JSON-serialisable snapshot for exact resume.
   * @example
   * ```ts
   * const json = JSON.stringify(new Rng(5).getState());
   * ```
   */
  getState(): RngState {
    return { algorithm: ALGORITHM, s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spare };
  }

  /**
   * Restores a snapshot from `getState` (validated: a corrupt checkpoint fails loudly).
   * @example
   * ```ts
   * const rng = new Rng(0);
   * const saved = rng.getState();
   * rng.uniform();
   * rng.setState(saved); // the next uniform() repeats
   * ```
   */
  setState(state: RngState): void {
    if (state?.algorithm !== ALGORITHM) {
      throw new Error(`Rng.setState: expected algorithm '${ALGORITHM}', got '${String(state?.algorithm)}'`);
    }
    const s = state.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every(_isUint32)) {
      throw new Error('Rng.setState: state.s must be four uint32 numbers');
    }
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new Error('Rng.setState: the all-zero state is invalid');
    const spare = state.spareNormal;
    if (spare !== null && (typeof spare !== 'number' || !Number.isFinite(spare))) {
      throw new Error('Rng.setState: spareNormal must be a finite number or null');
    }
    [this.s0, this.s1, this.s2, this.s3] = s;
    this.spare = spare;
  }
}

let _defaultRng: Rng | null = null;

/**
 * The process-wide fallback stream used by layers constructed without an explicit `rng`. Prefer passing
 * an `Rng` explicitly: weights then do not depend on what else was constructed before.
 * @example
 * ```ts
 * seedDefaultRng(0);
 * const w = defaultRng().normal();
 * ```
 */
export function defaultRng(): Rng {
  if (_defaultRng === null) _defaultRng = new Rng(0);
  return _defaultRng;
}

/**
 * Re-seeds the fallback stream returned by {@link defaultRng}.
 * @example
 * ```ts
 * seedDefaultRng(1234);
 * ```
 */
export function seedDefaultRng(seed: number): void {
  _defaultRng = new Rng(seed);
}
