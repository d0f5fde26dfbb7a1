// One ONNX encoder tower (ours from exportTowers, or a user's CLIP-style image or text encoder) run through
// onnxruntime-node: loads the `.onnx` and its JSON sidecar, checks that the names the sidecar promises exist
// in the graph, and maps preprocessed pixels or token ids to embedding rows (L2-normalised here when the
// graph does not do it). Errors name the file and the problem.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ortThreads } from '@vlp/tensor-core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type INPUT_ROLES, readSidecar, type TowerSidecar } from './sidecar.js';

/** Role of a graph input (see the sidecar's `inputs[].role`). */
export type InputRole = (typeof INPUT_ROLES)[number];

/**
 * Session options of {@link OnnxTower.load}.
 *
 * @example
 * ```ts
 * const tower = await OnnxTower.load('out/image.onnx', { threads: 2 });
 * ```
 */
export interface OnnxTowerOptions {
  /** ORT intra-op threads (default `VLP_ORT_THREADS` or the available cores, as tensor-core's ORT backend). */
  threads?: number;
  /** Let idle ORT workers spin between runs (faster alone, unfair on a shared machine); default `VLP_ORT_SPIN=1`. */
  spin?: boolean;
}

/**
 * Token ids of a batch as flat row-major `[B, T]` arrays (what `WordPieceTokenizer.encodeBatch` returns).
 *
 * @example
 * ```ts
 * const enc: TokenBatch = tokenizer.encodeBatch(['a dog'], { maxLength: 16, padding: 'max_length' });
 * ```
 */
export interface TokenBatch {
  inputIds: ArrayLike<number>;
  attentionMask: ArrayLike<number>;
  tokenTypeIds?: ArrayLike<number>;
  shape: readonly [number, number];
}

function _role(name: string): InputRole {
  const n = name.toLowerCase();
  if (n.includes('mask')) return 'attention_mask';
  if (n.includes('type')) return 'token_type_ids';
  return 'input_ids';
}

function _unit(rows: Float32Array[]): Float32Array[] {
  for (const r of rows) {
    let s = 0;
    for (let i = 0; i < r.length; i++) s += (r[i] as number) * (r[i] as number);
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let i = 0; i < r.length; i++) r[i] = (r[i] as number) * inv;
  }
  return rows;
}

/**
 * A loaded ONNX tower. `embedPixels` takes normalised NHWC pixels (what `normalizeInto` writes) and feeds
 * them in the sidecar's layout; `embedTokens` takes a tokenised batch. Both return one row per item, unit
 * length. Call `dispose()` when done.
 *
 * @example
 * ```ts
 * const tower = await OnnxTower.load('out/image.onnx');
 * const rows = await tower.embedPixels(pixels, 8); // pixels: Float32Array [8, 32, 32, 3]
 * await tower.dispose();
 * ```
 */
export class OnnxTower {
  private constructor(
    /** The `.onnx` file. */
    readonly path: string,
    readonly sidecar: TowerSidecar,
    private readonly session: InferenceSession,
    /** Embedding length (the last dimension of the embedding output). */
    readonly dim: number,
    private readonly roles: ReadonlyMap<InputRole, { name: string; dtype: string }>,
    /** SHA-256 (hex) of the `.onnx` bytes: identifies the weights (cache keys). */
    readonly digest: string,
  ) {}

  /**
   * Loads `modelPath` and its sidecar (`a.onnx` -> `a.json`); throws naming the file when either is
   * missing, unreadable or inconsistent with the other.
   *
   * @example
   * ```ts
   * const text = await OnnxTower.load('clip/text.onnx');
   * text.sidecar.text?.maxLength; // 77
   * ```
   */
  static async load(modelPath: string, options: OnnxTowerOptions = {}): Promise<OnnxTower> {
    const sidecar = await readSidecar(modelPath);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(modelPath);
    } catch (err) {
      throw new Error(`cannot read ONNX model '${modelPath}': ${(err as Error).message}`);
    }
    const spin = options.spin ?? process.env.VLP_ORT_SPIN === '1';
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, {
        intraOpNumThreads: ortThreads(options.threads),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
      });
    } catch (err) {
      throw new Error(`invalid ONNX model '${modelPath}': ${(err as Error).message}`);
    }
    const bad = (msg: string) => {
      void session.release();
      return new Error(`ONNX model '${modelPath}' does not match its sidecar: ${msg}`);
    };
    for (const v of sidecar.inputs) {
      if (!session.inputNames.includes(v.name))
        throw bad(`no input '${v.name}' (the graph has ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes(sidecar.embeddingOutput)) {
      throw bad(`no output '${sidecar.embeddingOutput}' (the graph has ${session.outputNames.join(', ')})`);
    }
    const out = sidecar.outputs.find((o) => o.name === sidecar.embeddingOutput);
    const dim = out?.shape.at(-1);
    if (typeof dim !== 'number' || dim <= 0) {
      throw bad(
        `outputs[] must list '${sidecar.embeddingOutput}' with a fixed last dimension (the embedding size)`,
      );
    }
    const roles = new Map<InputRole, { name: string; dtype: string }>();
    for (const v of sidecar.inputs) {
      const role = v.role ?? (sidecar.kind === 'image' ? 'pixels' : _role(v.name));
      if (roles.has(role)) throw bad(`two inputs have the role '${role}'`);
      roles.set(role, { name: v.name, dtype: v.dtype });
    }
    const need: InputRole = sidecar.kind === 'image' ? 'pixels' : 'input_ids';
    if (!roles.has(need)) throw bad(`no input has the role '${need}'`);
    if (sidecar.kind === 'image' && sidecar.image === undefined)
      throw bad('an image tower needs an "image" section');
    if (sidecar.kind === 'text' && sidecar.text === undefined)
      throw bad('a text tower needs a "text" section');
    const digest = createHash('sha256').update(bytes).digest('hex');
    return new OnnxTower(modelPath, sidecar, session, dim, roles, digest);
  }

  /** Runs the graph and returns the embedding output as rows (unit length). */
  private async embed(feeds: Record<string, Tensor>, batch: number): Promise<Float32Array[]> {
    const name = this.sidecar.embeddingOutput;
    let result: InferenceSession.OnnxValueMapType;
    try {
      result = await this.session.run(feeds, [name]);
    } catch (err) {
      throw new Error(`ONNX model '${this.path}' failed: ${(err as Error).message}`);
    }
    const t = result[name] as Tensor;
    const data = t.data as Float32Array;
    if (t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== batch || t.dims[1] !== this.dim) {
      throw new Error(
        `ONNX model '${this.path}': output '${name}' is ${t.type} [${t.dims}], expected float32 [${batch}, ${this.dim}]`,
      );
    }
    const rows = Array.from({ length: batch }, (_, i) => data.slice(i * this.dim, (i + 1) * this.dim));
    return this.sidecar.normalized ? rows : _unit(rows);
  }

  /**
   * Embeds `batch` images given as normalised NHWC float32 pixels `[batch, S, S, 3]` (S = the sidecar's
   * `image.size`); an NCHW graph gets them transposed.
   *
   * @example
   * ```ts
   * const buf = new Float32Array(n * 32 * 32 * 3);
   * images.forEach((img, i) => normalizeInto(img, buf, i * 32 * 32 * 3, 'clip'));
   * const rows = await tower.embedPixels(buf, n);
   * ```
   */
  async embedPixels(pixels: Float32Array, batch: number): Promise<Float32Array[]> {
    const img = this.sidecar.image;
    const input = this.roles.get('pixels');
    if (img === undefined || input === undefined)
      throw new Error(`ONNX model '${this.path}' is not an image tower`);
    const s = img.size;
    const per = s * s * 3;
    if (pixels.length !== batch * per) {
      throw new Error(
        `ONNX model '${this.path}': ${pixels.length} pixel values for ${batch} images of ${s}x${s}x3`,
      );
    }
    let data = pixels;
    let dims = [batch, s, s, 3];
    if (img.layout === 'NCHW') {
      data = new Float32Array(pixels.length);
      const hw = s * s;
      for (let b = 0; b < batch; b++) {
        const o = b * per;
        for (let p = 0; p < hw; p++) {
          data[o + p] = pixels[o + p * 3] as number;
          data[o + hw + p] = pixels[o + p * 3 + 1] as number;
          data[o + 2 * hw + p] = pixels[o + p * 3 + 2] as number;
        }
      }
      dims = [batch, 3, s, s];
    }
    return this.embed({ [input.name]: new Tensor('float32', data, dims) }, batch);
  }

  /**
   * Embeds a tokenised batch; ids, mask and (when the graph has that input) segment ids are fed in the
   * dtypes the sidecar declares.
   *
   * @example
   * ```ts
   * const enc = tokenizer.encodeBatch(['a red apple'], { maxLength: 16, padding: 'max_length' });
   * const [row] = await tower.embedTokens(enc);
   * ```
   */
  async embedTokens(batch: TokenBatch): Promise<Float32Array[]> {
    if (this.sidecar.kind !== 'text') throw new Error(`ONNX model '${this.path}' is not a text tower`);
    const [b, t] = batch.shape;
    const feeds: Record<string, Tensor> = {};
    const sources: Record<InputRole, ArrayLike<number> | undefined> = {
      pixels: undefined,
      input_ids: batch.inputIds,
      attention_mask: batch.attentionMask,
      token_type_ids: batch.tokenTypeIds ?? new Int32Array(b * t),
    };
    for (const [role, { name, dtype }] of this.roles) {
      const src = sources[role];
      if (src === undefined) continue;
      if (src.length !== b * t) throw new Error(`${role} has ${src.length} values for a [${b}, ${t}] batch`);
      const data =
        dtype === 'int64'
          ? BigInt64Array.from({ length: b * t }, (_, i) => BigInt(src[i] as number))
          : dtype === 'int32'
            ? Int32Array.from(src)
            : Float32Array.from(src);
      feeds[name] = new Tensor(dtype as 'int64' | 'int32' | 'float32', data, [b, t]);
    }
    return this.embed(feeds, b);
  }

  /** Frees the native session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}
