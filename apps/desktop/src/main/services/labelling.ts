// The Labelling service: zero-shot labelling of a folder the user picked with @vlp/tasks' labelFolder in a
// worker thread (progress as AppEvents), then the results for the thumbnail grid, corrections by hand
// (written back into the run's output, marked in its `reason` column), export as CSV or JSONL to a file in
// a picked folder, and copy / move into one folder per label (only with `confirmed: true`, which the
// renderer sends after asking). Every path in or out passes the allow-list.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CSV_HEADER, formatRow, type LabelRow, organiseFile, readLabelled } from '@vlp/tasks';
import { serialQueue, writeFileAtomic } from '@vlp/tensor-core';
import {
  ApiError,
  type ArgsOf,
  type Contract,
  type LabelRowView,
  type LabelRun,
} from '../../shared/contract.js';
import type { BackendService } from './backends.js';
import type { EventHub } from './events.js';
import type { FolderAccess } from './folders.js';
import { type ModelService, runTasksJob } from './models.js';

/** The `reason` a corrected row carries (the model's own label stays in `labels[0]`). */
const CORRECTED = 'corrected by hand';

/**
 * Labels from a file: one a line, trimmed; blank lines and `#` comments skipped; duplicates dropped.
 *
 * @example
 * ```ts
 * parseLabelsFile('# pets\ncat\ndog\n'); // ['cat', 'dog']
 * ```
 */
export function parseLabelsFile(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const label = line.trim();
    if (label === '' || label.startsWith('#') || out.includes(label)) continue;
    out.push(label);
  }
  return out;
}

function view(folder: string, row: LabelRow): LabelRowView {
  return {
    path: row.path,
    file: resolve(folder, row.path),
    status: row.status,
    label: row.label,
    score: row.scores[0] ?? null,
    labels: row.labels,
    scores: row.scores,
    reason: row.reason ?? null,
    corrected: row.reason === CORRECTED,
  };
}

/**
 * Labelling runs and what is done with their results.
 *
 * @example
 * ```ts
 * const labelling = new LabelService(folders, events, models, backends, dataDir, tasksWorkerUrl);
 * const run = await labelling.start({ model: 'colour', folder: '/home/me/photos', labels: ['red', 'blue'], threshold: 0 });
 * ```
 */
export class LabelService {
  private readonly runs = new Map<string, { run: LabelRun; worker: Worker }>();
  /** One read-modify-write of a run's output at a time: two quick corrections must both stay. */
  private readonly inOrder = serialQueue();

  constructor(
    private readonly folders: FolderAccess,
    private readonly events: EventHub,
    private readonly models: ModelService,
    private readonly backends: BackendService,
    private readonly dataDir: string,
    private readonly workerUrl: URL,
  ) {}

  async start(args: ArgsOf<'labelStart'>): Promise<LabelRun> {
    const folder = await this.folders.resolve(args.folder, 'directory');
    let labels = args.labels ?? [];
    if (args.labelsFile !== undefined) {
      const file = await this.folders.resolve(args.labelsFile, 'file');
      const bytes = await readFile(file);
      if (bytes.length > 1_000_000)
        throw new ApiError(400, `${file}: over 1 MB; a labels file is one label a line`);
      if (bytes.includes(0)) throw new ApiError(400, `${file}: not a text file (one label a line)`);
      labels = parseLabelsFile(bytes.toString('utf8'));
      if (labels.length < 2)
        throw new ApiError(400, `${file}: ${labels.length} labels; give at least 2, one a line`);
      if (labels.some((l) => l.length > 200))
        throw new ApiError(400, `${file}: a label longer than 200 characters`);
    }
    const { info, source } = await this.models.source(args.model);
    const id = randomUUID();
    const outDir = join(this.dataDir, 'labels', id);
    await mkdir(outDir, { recursive: true });
    const run: LabelRun = {
      id,
      model: info.name,
      folder,
      labels,
      threshold: args.threshold,
      state: 'running',
      done: 0,
      total: 0,
      imagesPerSecond: null,
      etaSeconds: null,
      output: join(outDir, 'labels.jsonl'),
      summary: null,
      error: null,
    };
    const changed = () => this.events.emit({ type: 'label', run: { ...run } });
    const backend = (await this.backends.report()).effective ?? 'auto';
    const { worker, done } = runTasksJob(
      this.workerUrl,
      {
        task: 'label',
        model: source,
        backend,
        dir: folder,
        labels,
        threshold: args.threshold,
        topK: args.topK ?? 3,
        output: run.output,
      },
      (m) => {
        if (m.type !== 'progress') return;
        run.done = m.progress.done;
        run.total = m.progress.total;
        run.imagesPerSecond = m.progress.imagesPerSecond;
        run.etaSeconds = Number.isFinite(m.progress.etaSeconds) ? m.progress.etaSeconds : null;
        changed();
      },
    );
    this.runs.set(id, { run, worker });
    done.then(
      (m) => {
        if (run.state !== 'running') return;
        run.state = 'done';
        run.etaSeconds = 0;
        run.summary = { labelled: m.labelled, skipped: m.skipped, unknown: m.unknown };
        changed();
      },
      (error: Error) => {
        if (run.state !== 'running') return;
        run.state = 'failed';
        run.error = error.message;
        changed();
        this.events.emit({ type: 'log', level: 'error', message: `labelling ${folder}: ${error.message}` });
      },
    );
    this.events.emit({
      type: 'log',
      level: 'info',
      message: `labelling ${folder} with ${info.name} (${labels.length} labels)`,
    });
    changed();
    return { ...run };
  }

  list(): LabelRun[] {
    return [...this.runs.values()].map(({ run }) => ({ ...run }));
  }

  async cancel(id: string): Promise<LabelRun> {
    const { run, worker } = this.get(id);
    if (run.state === 'running') {
      run.state = 'cancelled';
      worker.postMessage({ type: 'cancel' });
      this.events.emit({ type: 'label', run: { ...run } });
    }
    return { ...run };
  }

  async results(id: string): Promise<Contract['labelResults']['result']> {
    const { run } = this.get(id);
    const { rows } = await readLabelled(run.output);
    return { run: { ...run }, rows: rows.map((r) => view(run.folder, r)) };
  }

  /** Sets the label of one row and rewrites the output (atomically: a temporary file, then rename). */
  async correct(args: ArgsOf<'labelCorrect'>): Promise<LabelRowView> {
    const { run } = this.get(args.id);
    if (run.state === 'running') throw new ApiError(409, 'labelling is still running');
    return this.inOrder(async () => {
      const { rows } = await readLabelled(run.output);
      const row = rows.find((r) => r.path === args.path);
      if (row === undefined) throw new ApiError(404, `no labelled image ${args.path} in this run`);
      if (row.status !== 'ok') throw new ApiError(400, `${args.path} was skipped (${row.reason ?? ''})`);
      row.label = args.label;
      row.reason = CORRECTED;
      await this.write(run.output, rows, 'jsonl');
      return view(run.folder, row);
    });
  }

  async export(args: ArgsOf<'labelExport'>): Promise<{ path: string; rows: number }> {
    const { run } = this.get(args.id);
    const ext = args.format === 'csv' ? '.csv' : '.jsonl';
    if (!args.path.toLowerCase().endsWith(ext))
      throw new ApiError(400, `a ${args.format.toUpperCase()} export must end in ${ext}: ${args.path}`);
    const target = await this.folders.resolveForWrite(args.path);
    const { rows } = await readLabelled(run.output);
    await this.write(target, rows, args.format);
    return { path: target, rows: rows.length };
  }

  async organise(args: ArgsOf<'labelOrganise'>): Promise<Contract['labelOrganise']['result']> {
    const { run } = this.get(args.id);
    if (run.state === 'running') throw new ApiError(409, 'labelling is still running');
    const dest = await this.folders.resolve(args.dest, 'directory');
    const { rows } = await readLabelled(run.output);
    const perLabel: Record<string, number> = {};
    let files = 0;
    for (const row of rows) {
      if (row.status !== 'ok') continue;
      let src: string;
      try {
        src = await this.folders.resolve(resolve(run.folder, row.path), 'file');
      } catch {
        continue; // moved away by an earlier run, or no longer inside the picked folders
      }
      await organiseFile(src, dest, row.label, args.mode);
      perLabel[row.label] = (perLabel[row.label] ?? 0) + 1;
      files++;
    }
    this.events.emit({
      type: 'log',
      level: 'info',
      message: `${args.mode === 'copy' ? 'copied' : 'moved'} ${files} images into ${dest}/<label>/`,
    });
    return { mode: args.mode, dest, files, perLabel };
  }

  /** Terminates running workers (app shutdown); what they wrote stays and a rerun resumes. */
  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map(({ worker }) => worker.terminate()));
  }

  private get(id: string): { run: LabelRun; worker: Worker } {
    const entry = this.runs.get(id);
    if (entry === undefined) throw new ApiError(404, `no labelling run with id ${id}`);
    return entry;
  }

  private async write(path: string, rows: LabelRow[], format: 'csv' | 'jsonl'): Promise<void> {
    const body = rows.map((r) => formatRow(r, format)).join('');
    await writeFileAtomic(path, format === 'csv' ? `${CSV_HEADER}\n${body}` : body);
  }
}
