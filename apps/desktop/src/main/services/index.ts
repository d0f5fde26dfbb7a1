// The services main owns, wired together. Electron and web mode both build them with `createServices` and
// differ only in how a folder is chosen (a native dialog vs. the path the user typed).
import { join } from 'node:path';
import { BackendService } from './backends.js';
import { CorpusService } from './corpus.js';
import { EventHub } from './events.js';
import { FolderAccess } from './folders.js';
import { JobService } from './jobs.js';
import { LabelService } from './labelling.js';
import { ModelService } from './models.js';
import { TrainService } from './training.js';

export { BackendService } from './backends.js';
export { CorpusService } from './corpus.js';
export { EventHub } from './events.js';
export { FolderAccess, isInside } from './folders.js';
export { JobService } from './jobs.js';
export { LabelService, parseLabelsFile } from './labelling.js';
export { BASELINE_ID, ModelService } from './models.js';
export { thumbnailDataUrl } from './thumbnails.js';
export { TrainService } from './training.js';

/** Options for {@link createServices}. */
export interface ServicesOptions {
  /** Where manifests and job outputs go (the app's user-data folder). */
  dataDir: string;
  /** The compiled thumbnail worker; default: next to this file in dist. */
  workerUrl?: URL;
  /** The compiled training worker; default: next to this file in dist. */
  trainWorkerUrl?: URL;
  /** The compiled labelling / export worker; default: next to this file in dist. */
  tasksWorkerUrl?: URL;
  /** Replaces tensor-core's probe (tests). */
  backends?: BackendService;
}

/** Every service, sharing one event hub and one folder allow-list. */
export interface Services {
  events: EventHub;
  folders: FolderAccess;
  backends: BackendService;
  corpus: CorpusService;
  jobs: JobService;
  training: TrainService;
  models: ModelService;
  labelling: LabelService;
}

/**
 * Builds the services.
 *
 * @example
 * ```ts
 * const services = createServices({ dataDir: join(homedir(), '.vlp-desktop') });
 * await services.folders.grant('/home/me/photos');
 * ```
 */
export function createServices(options: ServicesOptions): Services {
  const events = new EventHub();
  const folders = new FolderAccess();
  const workerUrl = options.workerUrl ?? new URL('./thumbnail-worker.js', import.meta.url);
  const backends = options.backends ?? new BackendService();
  const corpus = new CorpusService(folders, events, join(options.dataDir));
  const trainWorkerUrl = options.trainWorkerUrl ?? new URL('./train-worker.js', import.meta.url);
  const tasksWorkerUrl = options.tasksWorkerUrl ?? new URL('./tasks-worker.js', import.meta.url);
  const models = new ModelService(folders, backends, options.dataDir, tasksWorkerUrl);
  return {
    events,
    folders,
    backends,
    corpus,
    jobs: new JobService(folders, events, options.dataDir, workerUrl),
    training: new TrainService(folders, events, corpus, backends, options.dataDir, trainWorkerUrl),
    models,
    labelling: new LabelService(folders, events, models, backends, options.dataDir, tasksWorkerUrl),
  };
}
