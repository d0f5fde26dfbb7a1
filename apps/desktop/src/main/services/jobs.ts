// The Jobs service: heavy work runs in a worker_thread so neither Electron's main process nor the web
// server ever blocks. Each job reports progress as AppEvents and ends done, failed or cancelled (the worker
// is terminated). Today's one kind is the thumbnail demo; training and labelling will be added as kinds.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError, type ArgsOf, type JobInfo } from '../../shared/contract.js';
import type { EventHub } from './events.js';
import type { FolderAccess } from './folders.js';
import type { ThumbnailJobInput, ThumbnailJobMessage } from './thumbnail-worker.js';

/**
 * Starts, tracks and cancels background jobs.
 *
 * @example
 * ```ts
 * const jobs = new JobService(folders, events, dataDir, new URL('./thumbnail-worker.js', import.meta.url));
 * const job = await jobs.start({ kind: 'thumbnails', path: '/home/me/photos' });
 * events.subscribe((e) => e.type === 'progress' && console.log(e.done, '/', e.total));
 * ```
 */
export class JobService {
  private readonly jobs = new Map<string, { info: JobInfo; worker: Worker }>();

  constructor(
    private readonly folders: FolderAccess,
    private readonly events: EventHub,
    private readonly dataDir: string,
    /** The compiled thumbnail worker (dist/main/services/thumbnail-worker.js, or a test bundle). */
    private readonly workerUrl: URL,
  ) {}

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  async start(args: ArgsOf<'jobsStart'>): Promise<JobInfo> {
    const root = await this.folders.resolve(args.path, 'directory');
    const id = randomUUID();
    const info: JobInfo = {
      id,
      kind: args.kind,
      state: 'running',
      done: 0,
      total: 0,
      failed: 0,
      outDir: join(this.dataDir, 'jobs', id),
      error: null,
    };
    const input: ThumbnailJobInput = { root, outDir: info.outDir, size: args.size ?? 128 };
    const worker = new Worker(this.workerUrl, { workerData: input });
    this.jobs.set(id, { info, worker });
    const finish = (state: JobInfo['state'], error: string | null) => {
      if (info.state !== 'running') return;
      info.state = state;
      info.error = error;
      this.events.emit({ type: 'job', job: { ...info } });
    };
    worker.on('message', (m: ThumbnailJobMessage) => {
      if (m.type === 'progress') {
        info.done = m.done;
        info.total = m.total;
        this.events.emit({ type: 'progress', jobId: id, done: m.done, total: m.total, item: m.item });
      } else {
        info.failed = m.failed.length;
        for (const f of m.failed)
          this.events.emit({ type: 'log', level: 'warn', message: `thumbnail ${f.path}: ${f.message}` });
        finish('done', null);
      }
    });
    worker.on('error', (error) => finish('failed', error.message));
    worker.on('exit', (code) => finish(code === 0 ? 'done' : 'failed', code === 0 ? null : `exit ${code}`));
    this.events.emit({ type: 'job', job: { ...info } });
    return { ...info };
  }

  async cancel(id: string): Promise<JobInfo> {
    const job = this.jobs.get(id);
    if (job === undefined) throw new ApiError(404, `no job with id ${id}`);
    if (job.info.state === 'running') {
      job.info.state = 'cancelled';
      await job.worker.terminate();
      this.events.emit({ type: 'job', job: { ...job.info } });
    }
    return { ...job.info };
  }

  /** Terminates every running job (app shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((id) => this.cancel(id)));
  }
}
