// The labelling output, CSV or JSONL by extension: one row per image (path relative to the labelled
// folder, decided label or 'unknown', top-k labels and scores, or the reason an image was skipped). Rows are
// appended a batch at a time in one write followed by fsync, so a kill leaves complete lines plus at most one
// torn tail; `readLabelled` drops that tail (truncating the file to its last newline) and returns the paths
// already done, which is how a restarted run resumes.
import { type FileHandle, open, readFile, truncate } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';

/**
 * One output row. `label` is the top label, or `'unknown'` when its score is under the threshold, or `''`
 * for a skipped image (then `reason` says why).
 *
 * @example
 * ```ts
 * const row: LabelRow = { path: 'a/cat.jpg', status: 'ok', label: 'cat', labels: ['cat', 'dog'], scores: [0.9, 0.1] };
 * ```
 */
export const LabelRowSchema = z.object({
  path: z.string().min(1),
  status: z.enum(['ok', 'skipped']),
  label: z.string(),
  labels: z.array(z.string()),
  scores: z.array(z.number()),
  reason: z.string().optional(),
});

/** @see {@link LabelRowSchema} */
export type LabelRow = z.infer<typeof LabelRowSchema>;

/**
 * Output formats, chosen by the file extension (`.csv`, or `.jsonl` / `.ndjson`).
 *
 * @example
 * ```ts
 * outputFormat('labels.csv'); // 'csv'
 * ```
 */
export type OutputFormat = 'csv' | 'jsonl';

/**
 * The format of an output path; throws on other extensions.
 *
 * @example
 * ```ts
 * outputFormat('out/labels.jsonl'); // 'jsonl'
 * ```
 */
export function outputFormat(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new Error(`output must end in .csv or .jsonl, got "${path}"`);
}

/** CSV header; `labels` and `scores` hold the top k joined by '|'. */
export const CSV_HEADER = 'path,status,label,score,labels,scores,reason';

function _csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Splits one CSV record (RFC 4180 quoting; a quoted field may hold a newline). */
function _csvSplit(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

interface _Record {
  record: string;
  /** 1-based line where it starts. */
  line: number;
  /** Offset just past its newline. */
  end: number;
}

/** Complete newline-terminated lines (a torn tail is not one). */
function _lines(text: string): _Record[] {
  const out: _Record[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    out.push({ record: text.slice(start, i), line: out.length + 1, end: i + 1 });
    start = i + 1;
  }
  return out;
}

/** Complete CSV records: a newline inside quotes (a file name may hold one) does not end a record. */
function _csvRecords(text: string): _Record[] {
  const out: _Record[] = [];
  let quoted = false;
  let start = 0;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n') {
      if (!quoted) {
        out.push({ record: text.slice(start, i), line: startLine, end: i + 1 });
        start = i + 1;
        startLine = line + 1;
      }
      line++;
    }
  }
  return out;
}

/**
 * One row as a line (with its newline) in the given format.
 *
 * @example
 * ```ts
 * formatRow({ path: 'x.png', status: 'skipped', label: '', labels: [], scores: [], reason: 'truncated' }, 'csv');
 * // 'x.png,skipped,,,,,truncated\n'
 * ```
 */
export function formatRow(row: LabelRow, format: OutputFormat): string {
  if (format === 'jsonl') return `${JSON.stringify(row)}\n`;
  const score = row.scores[0];
  return `${[
    row.path,
    row.status,
    row.label,
    score === undefined ? '' : score.toFixed(6),
    row.labels.join('|'),
    row.scores.map((s) => s.toFixed(6)).join('|'),
    row.reason ?? '',
  ]
    .map(_csvField)
    .join(',')}\n`;
}

/**
 * Parses one complete line back into a row (the inverse of {@link formatRow}, scores to 6 decimals).
 *
 * @example
 * ```ts
 * parseRow('x.png,ok,cat,0.900000,cat|dog,0.900000|0.100000,', 'csv').labels; // ['cat', 'dog']
 * ```
 */
export function parseRow(line: string, format: OutputFormat): LabelRow {
  if (format === 'jsonl') return LabelRowSchema.parse(JSON.parse(line));
  const [path = '', status = '', label = '', , labels = '', scores = '', reason = ''] = _csvSplit(line);
  return LabelRowSchema.parse({
    path,
    status,
    label,
    labels: labels === '' ? [] : labels.split('|'),
    scores: scores === '' ? [] : scores.split('|').map(Number),
    ...(reason === '' ? {} : { reason }),
  });
}

/**
 * Reads an existing output for resuming: drops a torn last line (the file is truncated to its last
 * newline), and returns every row. A missing file is an empty result.
 *
 * @example
 * ```ts
 * const { rows, tornBytes } = await readLabelled('labels.csv');
 * const done = new Set(rows.map((r) => r.path));
 * ```
 */
export async function readLabelled(path: string): Promise<{ rows: LabelRow[]; tornBytes: number }> {
  const format = outputFormat(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], tornBytes: 0 };
    throw e;
  }
  const records = format === 'csv' ? _csvRecords(text) : _lines(text);
  const end = records.at(-1)?.end ?? 0;
  const tornBytes = Buffer.byteLength(text.slice(end));
  if (tornBytes > 0) await truncate(path, Buffer.byteLength(text.slice(0, end)));
  const rows: LabelRow[] = [];
  for (const { record, line } of records) {
    if (record === '' || (format === 'csv' && record === CSV_HEADER)) continue;
    try {
      rows.push(parseRow(record, format));
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new Error(`${path}:${line}: not a label row (${why}); fix or remove that line to resume`);
    }
  }
  return { rows, tornBytes };
}

/**
 * Appends rows a batch at a time, each batch in one write then fsync'd (writes the CSV header on an empty
 * file). Close it when done.
 *
 * @example
 * ```ts
 * const out = await LabelWriter.open('labels.jsonl');
 * await out.append(rows);
 * await out.close();
 * ```
 */
export class LabelWriter {
  private constructor(
    private readonly fh: FileHandle,
    readonly format: OutputFormat,
  ) {}

  static async open(path: string): Promise<LabelWriter> {
    const format = outputFormat(path);
    const fh = await open(path, 'a');
    const writer = new LabelWriter(fh, format);
    if (format === 'csv' && (await fh.stat()).size === 0) await fh.write(`${CSV_HEADER}\n`);
    return writer;
  }

  /** Writes the rows as one chunk and waits until it is on disk. */
  async append(rows: readonly LabelRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.fh.write(rows.map((r) => formatRow(r, this.format)).join(''));
    await this.fh.datasync();
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
