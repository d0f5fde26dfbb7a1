// The Training service: one worker thread per run (train-worker.ts) driving a real @vlp/pretrain Trainer on
// a corpus source the Corpus screen validated. Main keeps each run's state (every step's loss and lr for
// the charts, checkpoints, the latest retrieval preview with thumbnails), forwards it as AppEvents, and
// relays pause / resume / stop to the worker. Runs live in `<dataDir>/runs/<id>`, a trained-model dir.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { getRecipe, listRecipes } from '@vlp/pretrain';
import { ApiError, type ArgsOf, type RecipeInfo, type TrainRun } from '../../shared/contract.js';
import type { BackendService } from './backends.js';
import type { CorpusService } from './corpus.js';
import type { EventHub } from './events.js';
import type { FolderAccess } from './folders.js';
import { thumbnailDataUrl } from './thumbnails.js';
import type { TrainJobCommand, TrainJobInput, TrainJobMessage } from './train-worker.js';

/**
 * This process's Node flags minus `--conditions` (a test runner's `@vlp/source` would make the worker
 * import TypeScript sources).
 *
 * @example
 * ```ts
 * workerExecArgv(['--conditions', '@vlp/source', '--inspect']); // ['--inspect']
 * ```
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--conditions' || a === '-C') i++;
    else if (!a.startsWith('--conditions=')) out.push(a);
  }
  return out;
}

/** Smoothing of the steps/s figure behind the ETA (exponential moving average weight of a new step). */
const RATE_SMOOTHING = 0.2;

/**
 * Recipes, and training runs in worker threads.
 *
 * @example
 * ```ts
 * const training = new TrainService(folders, events, corpus, backends, dataDir, workerUrl);
 * const run = await training.start({ corpus: 'emoji', recipe: 'cavl-tiny', steps: 200 });
 * events.subscribe((e) => e.type === 'trainStep' && console.log(e.point.step, e.point.loss));
 * await training.control({ id: run.id, action: 'pause' });
 * ```
 */
export class TrainService {
  private readonly runs = new Map<string, { run: TrainRun; worker: Worker }>();

  constructor(
    private readonly folders: FolderAccess,
    private readonly events: EventHub,
    private readonly corpus: CorpusService,
    private readonly backends: BackendService,
    private readonly dataDir: string,
    /** The compiled training worker (dist/main/services/train-worker.js, or a test bundle). */
    private readonly workerUrl: URL,
  ) {}

  /** @vlp/pretrain's recipes, split into method and size. */
  recipes(): RecipeInfo[] {
    return listRecipes().map((name) => {
      const r = getRecipe(name);
      const size = name.startsWith(`${r.method}-`) ? name.slice(r.method.length + 1) : name;
      return { name, method: r.method, size, description: r.description ?? '' };
    });
  }

  list(): TrainRun[] {
    return [...this.runs.values()].map((r) => this.copy(r.run));
  }

  /** Where run `id` lives (for the Models and Label screens). */
  runDir(id: string): string {
    return join(this.dataDir, 'runs', id);
  }

  async start(args: ArgsOf<'trainStart'>): Promise<TrainRun> {
    const source = this.corpus.list().find((s) => s.name === args.corpus);
    if (source === undefined)
      throw new ApiError(404, `no corpus source named ${args.corpus}: add it on the Corpus screen first`);
    if (!this.recipes().some((r) => r.name === args.recipe))
      throw new ApiError(400, `unknown recipe ${args.recipe}; known: ${listRecipes().join(', ')}`);
    if (source.counts.pairs < 4)
      throw new ApiError(
        400,
        `${source.name} has ${source.counts.pairs} image-caption pairs; training needs at least 4 (add it as sidecar with .txt captions)`,
      );
    const id = randomUUID();
    const dir = this.runDir(id);
    await mkdir(dir, { recursive: true });
    const effective = (await this.backends.report()).effective;
    const run: TrainRun = {
      id,
      recipe: args.recipe,
      corpus: args.corpus,
      state: 'starting',
      backend: null,
      step: 0,
      totalSteps: args.steps,
      stepsPerSecond: null,
      etaSeconds: null,
      trainPairs: 0,
      heldOut: 0,
      checkpoints: [],
      history: [],
      preview: null,
      dir,
      modelDir: null,
      error: null,
    };
    const input: TrainJobInput = {
      manifestPath: source.manifestPath,
      recipe: args.recipe,
      steps: args.steps,
      batchSize: args.batchSize ?? 8,
      lr: args.lr ?? 2e-3,
      outDir: dir,
      backend: effective ?? 'auto',
      heldOut: 6,
      previewEvery: Math.max(1, Math.min(25, Math.round(args.steps / 10))),
      checkpointEvery: Math.max(1, Math.min(500, Math.round(args.steps / 4))),
      seed: 0,
    };
    const worker = new Worker(this.workerUrl, { workerData: input, execArgv: workerExecArgv() });
    this.runs.set(id, { run, worker });
    const changed = () => this.events.emit({ type: 'train', run: this.copy(run, false) });
    const end = (state: TrainRun['state'], error: string | null) => {
      if (run.state === 'done' || run.state === 'stopped' || run.state === 'failed') return;
      run.state = state;
      run.error = error;
      run.etaSeconds = state === 'done' ? 0 : null;
      changed();
    };
    worker.on('message', (m: TrainJobMessage) => {
      switch (m.type) {
        case 'started':
          Object.assign(run, { state: 'running', backend: m.backend, trainPairs: m.trainPairs });
          run.heldOut = m.heldOut;
          changed();
          break;
        case 'step': {
          const rate = run.stepsPerSecond;
          run.stepsPerSecond =
            rate === null ? m.stepsPerSecond : rate + RATE_SMOOTHING * (m.stepsPerSecond - rate);
          run.step = m.step;
          run.etaSeconds = (run.totalSteps - m.step) / run.stepsPerSecond;
          const point = { step: m.step, loss: m.loss, lr: m.lr };
          run.history.push(point);
          this.events.emit({
            type: 'trainStep',
            runId: id,
            point,
            stepsPerSecond: run.stepsPerSecond,
            etaSeconds: run.etaSeconds,
          });
          break;
        }
        case 'checkpoint':
          run.checkpoints.push({ step: m.step, dir: m.dir, reason: m.reason });
          changed();
          break;
        case 'preview':
          this.previewView(m).then(
            (preview) => {
              if (run.preview === null || preview.step >= run.preview.step) run.preview = preview;
              changed();
            },
            () => undefined,
          );
          break;
        case 'paused':
          run.state = 'paused';
          run.etaSeconds = null;
          changed();
          break;
        case 'resumed':
          run.state = 'running';
          changed();
          break;
        case 'done':
          run.modelDir = m.modelDir;
          end(m.reason === 'completed' ? 'done' : 'stopped', null);
          break;
        case 'warn':
          this.events.emit({ type: 'log', level: 'warn', message: `training ${id}: ${m.message}` });
          break;
        case 'error':
          end('failed', m.message);
          this.events.emit({ type: 'log', level: 'error', message: `training ${id}: ${m.message}` });
          break;
      }
    });
    worker.on('error', (error) => end('failed', error.message));
    worker.on('exit', (code) => end(code === 0 ? 'stopped' : 'failed', code === 0 ? null : `exit ${code}`));
    this.events.emit({
      type: 'log',
      level: 'info',
      message: `training ${args.recipe} on ${args.corpus} (${args.steps} steps) in ${dir}`,
    });
    changed();
    return this.copy(run);
  }

  async control(args: ArgsOf<'trainControl'>): Promise<TrainRun> {
    const entry = this.runs.get(args.id);
    if (entry === undefined) throw new ApiError(404, `no training run with id ${args.id}`);
    const { run, worker } = entry;
    const live = run.state === 'running' || run.state === 'paused' || run.state === 'starting';
    if (!live) throw new ApiError(409, `run ${args.id} is ${run.state}`);
    if (args.action === 'resume' && run.state !== 'paused')
      throw new ApiError(409, `run ${args.id} is ${run.state}, not paused`);
    if (args.action === 'pause' && run.state !== 'running')
      throw new ApiError(409, `run ${args.id} is ${run.state}, not running`);
    worker.postMessage({ type: args.action } satisfies TrainJobCommand);
    return this.copy(run);
  }

  /** Stops every live run (app shutdown): the workers are terminated without a final checkpoint. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.runs.values()].map(async ({ run, worker }) => {
        if (run.state === 'running' || run.state === 'paused' || run.state === 'starting') {
          run.state = 'stopped';
          await worker.terminate();
        }
      }),
    );
  }

  private copy(run: TrainRun, history = true): TrainRun {
    return {
      ...run,
      checkpoints: [...run.checkpoints],
      history: history ? [...run.history] : [],
    };
  }

  /** Thumbnails only for images inside the folders the user picked. */
  private async previewView(m: Extract<TrainJobMessage, { type: 'preview' }>) {
    const items = await Promise.all(
      m.items.map(async (item) => {
        let thumbnail: string | null = null;
        if (item.image !== null) {
          try {
            thumbnail = await thumbnailDataUrl(await this.folders.resolve(item.image, 'file'), 48);
          } catch {
            thumbnail = null;
          }
        }
        return { thumbnail, truth: item.truth, predicted: item.predicted, correct: item.correct };
      }),
    );
    return { step: m.step, accuracy: m.accuracy, chance: m.chance, items };
  }
}
