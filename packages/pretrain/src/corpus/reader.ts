// A streaming reader over a corpus manifest: one stream per kind (pairs, images, texts), each shuffled per
// epoch by a permutation derived from (seed, kind, epoch), mixed per batch by smooth weighted round-robin
// (nginx's algorithm: exact long-run ratios, deterministic), and a JSON data position (per-stream epoch and
// index, round-robin weights, rng state) that restores the exact sample order on resume.
import { Rng, type RngState } from '@vlp/tensor-core';
import { type CorpusManifest, type ImageRef, readImageBytes } from './manifest.js';

/** The three streams a batch mixes. */
export type StreamKind = 'pairs' | 'images' | 'texts';

/**
 * Where the reader is: everything needed to continue with the same samples.
 * @example
 * ```ts
 * const pos: DataPosition = reader.getPosition(); // save in the checkpoint's trainer state
 * reader.setPosition(pos);
 * ```
 */
export interface DataPosition {
  step: number;
  streams: Record<StreamKind, { epoch: number; index: number }>;
  /** Smooth weighted round-robin current weights, per kind. */
  wrr: Record<StreamKind, number>;
  rng: RngState;
}

/**
 * One mixed batch of records (no tensors: the caller loads images and tokenises).
 * @example
 * ```ts
 * const batch: CorpusBatch = reader.next();
 * batch.pairs[0]?.caption;
 * ```
 */
export interface CorpusBatch {
  pairs: Array<{ id: string; image: ImageRef; caption: string; sha256: string }>;
  images: Array<{ id: string; image: ImageRef; sha256: string }>;
  texts: Array<{ id: string; text: string }>;
  /** Epoch of the pairs stream when the batch was drawn (for alpha ramps and logs). */
  epoch: number;
}

/**
 * Options for {@link CorpusReader}.
 * @example
 * ```ts
 * const opts: CorpusReaderOptions = { batchSize: 32, mix: { pairs: 0.6, images: 0.2, texts: 0.2 }, seed: 0 };
 * ```
 */
export interface CorpusReaderOptions {
  batchSize: number;
  /** Share of each stream in a batch; normalised; kinds with no records must be 0 or absent. Default pairs only. */
  mix?: Partial<Record<StreamKind, number>>;
  seed?: number;
  /** Only pairs whose `split` is one of these (Karpathy splits). */
  splits?: string[];
  /** Manifest directory, for {@link CorpusReader.readImage}. */
  dir?: string;
}

const KINDS: StreamKind[] = ['pairs', 'images', 'texts'];

/**
 * Batches from a manifest, endlessly (each stream starts a new, reshuffled epoch when it runs out).
 * @example
 * ```ts
 * const manifest = await readManifest('corpus/manifest.json');
 * const reader = new CorpusReader(manifest, { batchSize: 8, mix: { pairs: 0.75, texts: 0.25 }, seed: 1, dir: 'corpus' });
 * const batch = reader.next(); // 6 pairs, 2 texts
 * const saved = reader.getPosition();
 * ```
 */
export class CorpusReader {
  readonly batchSize: number;
  private readonly records: {
    pairs: CorpusManifest['pairs'];
    images: CorpusManifest['images'];
    texts: CorpusManifest['texts'];
  };
  private readonly weights: Record<StreamKind, number>;
  private readonly seed: number;
  private readonly dir: string;
  private pos: DataPosition;
  private rng: Rng;
  private readonly perms = new Map<string, number[]>();

  constructor(manifest: CorpusManifest, options: CorpusReaderOptions) {
    if (!(options.batchSize > 0))
      throw new Error(`CorpusReader: batchSize must be positive, got ${options.batchSize}`);
    this.batchSize = options.batchSize;
    this.seed = options.seed ?? 0;
    this.dir = options.dir ?? '.';
    const splits = options.splits;
    this.records = {
      pairs: splits
        ? manifest.pairs.filter((p) => p.split !== undefined && splits.includes(p.split))
        : manifest.pairs,
      images: manifest.images,
      texts: manifest.texts,
    };
    const mix = options.mix ?? { pairs: 1 };
    let total = 0;
    for (const k of KINDS) total += Math.max(0, mix[k] ?? 0);
    if (!(total > 0)) throw new Error('CorpusReader: mix needs at least one positive ratio');
    this.weights = { pairs: 0, images: 0, texts: 0 };
    for (const k of KINDS) {
      const w = Math.max(0, mix[k] ?? 0) / total;
      if (w > 0 && this.records[k].length === 0)
        throw new Error(`CorpusReader: mix asks for ${k} but the manifest has none`);
      this.weights[k] = w;
    }
    this.rng = new Rng(this.seed).fork('captions');
    this.pos = {
      step: 0,
      streams: {
        pairs: { epoch: 0, index: 0 },
        images: { epoch: 0, index: 0 },
        texts: { epoch: 0, index: 0 },
      },
      wrr: { pairs: 0, images: 0, texts: 0 },
      rng: this.rng.getState(),
    };
  }

  /** Number of records per stream (after the split filter). */
  size(kind: StreamKind): number {
    return this.records[kind].length;
  }

  /** Batches per epoch of the pairs stream at its mix share (for alpha ramps and cosine schedules). */
  stepsPerEpoch(kind: StreamKind = 'pairs'): number {
    const perBatch = this.batchSize * this.weights[kind];
    return perBatch > 0 ? Math.ceil(this.records[kind].length / perBatch) : 0;
  }

  private perm(kind: StreamKind, epoch: number): number[] {
    const key = `${kind}:${epoch}`;
    let p = this.perms.get(key);
    if (p === undefined) {
      p = new Rng(this.seed).fork(key).shuffle([...Array(this.records[kind].length).keys()]);
      this.perms.clear(); // keep only the permutations in use
      this.perms.set(key, p);
    }
    return p;
  }

  private take(kind: StreamKind): number {
    const s = this.pos.streams[kind];
    if (s.index >= this.records[kind].length) {
      s.epoch++;
      s.index = 0;
    }
    const i = this.perm(kind, s.epoch)[s.index] as number;
    s.index++;
    return i;
  }

  /** The kind of the next sample by smooth weighted round-robin. */
  private pick(): StreamKind {
    let best: StreamKind = 'pairs';
    let bestW = Number.NEGATIVE_INFINITY;
    for (const k of KINDS) {
      if (this.weights[k] === 0) continue;
      this.pos.wrr[k] += this.weights[k];
      if (this.pos.wrr[k] > bestW) {
        bestW = this.pos.wrr[k];
        best = k;
      }
    }
    this.pos.wrr[best] -= 1;
    return best;
  }

  /**
   * The next batch. Pairs with several captions contribute one, drawn uniformly.
   * @example
   * ```ts
   * for (let s = 0; s < 100; s++) train(reader.next());
   * ```
   */
  next(): CorpusBatch {
    const batch: CorpusBatch = { pairs: [], images: [], texts: [], epoch: this.pos.streams.pairs.epoch };
    for (let b = 0; b < this.batchSize; b++) {
      const kind = this.pick();
      const i = this.take(kind);
      if (kind === 'pairs') {
        const p = this.records.pairs[i] as CorpusManifest['pairs'][number];
        const caption = p.captions[this.rng.int(p.captions.length)] as string;
        batch.pairs.push({ id: p.id, image: p.image, caption, sha256: p.sha256 });
      } else if (kind === 'images') {
        const r = this.records.images[i] as CorpusManifest['images'][number];
        batch.images.push({ id: r.id, image: r.image, sha256: r.sha256 });
      } else {
        const t = this.records.texts[i] as CorpusManifest['texts'][number];
        batch.texts.push({ id: t.id, text: t.text });
      }
    }
    this.pos.step++;
    return batch;
  }

  /** A JSON copy of the position. */
  getPosition(): DataPosition {
    this.pos.rng = this.rng.getState();
    return JSON.parse(JSON.stringify(this.pos)) as DataPosition;
  }

  /** Restores a position from {@link CorpusReader.getPosition} (same manifest, options and seed). */
  setPosition(p: DataPosition): void {
    this.pos = JSON.parse(JSON.stringify(p)) as DataPosition;
    this.rng.setState(p.rng);
  }

  /**
   * The bytes of a record's image (file or shard byte range).
   * @example
   * ```ts
   * const bytes = await reader.readImage(batch.pairs[0].image);
   * ```
   */
  readImage(ref: ImageRef): Promise<Uint8Array> {
    return readImageBytes(this.dir, ref);
  }
}
