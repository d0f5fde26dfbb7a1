// The data contract of the trainer: an iterator whose position can be saved and restored, so a resumed
// run sees exactly the batches an uninterrupted one would (CorpusReader satisfies it).

/**
 * A resumable batch source.
 * @example
 * ```ts
 * const data: ResumableData<CorpusBatch> = new CorpusReader(manifest, { batchSize: 8, seed: 0 });
 * ```
 */
export interface ResumableData<B> {
  next(): B | Promise<B>;
  /** JSON-serialisable position. */
  getPosition(): unknown;
  setPosition(position: never): void;
}

/**
 * Maps a resumable source through `fn` (tokenising, loading images, stacking tensors); the position is
 * the source's, so resume still works.
 * @example
 * ```ts
 * const batches = mapData(reader, async (b) => collate(b)); // ResumableData<{ pixels, ids, mask }>
 * ```
 */
export function mapData<A, B>(source: ResumableData<A>, fn: (a: A) => B | Promise<B>): ResumableData<B> {
  return {
    next: async () => fn(await source.next()),
    getPosition: () => source.getPosition(),
    setPosition: (p: never) => source.setPosition(p),
  };
}
