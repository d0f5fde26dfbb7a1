// The one error type checkpoint code throws: it names the file and says what is wrong with it, so a user
// looking at "truncated: header says 4096 bytes of data, file has 1000" knows which file to re-download.

/**
 * A checkpoint or safetensors file that cannot be read or written as asked.
 *
 * @example
 * ```ts
 * try {
 *   await loadCheckpoint('runs/a/step-100');
 * } catch (e) {
 *   if (e instanceof CheckpointError) console.error(e.source, e.problem);
 * }
 * ```
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  /** The file or directory concerned ('<bytes>' when decoding an in-memory buffer without a name). */
  readonly source: string;
  /** What is wrong, without the file name. */
  readonly problem: string;

  constructor(source: string, problem: string, options?: { cause?: unknown }) {
    super(`${source}: ${problem}`, options);
    this.source = source;
    this.problem = problem;
  }
}
