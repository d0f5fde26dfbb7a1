// The Models service: what the Label screen can embed with (the colour baseline, every trained run's
// model/ dir, every imported ONNX pair), importing a CLIP-style ONNX tower pair (its sidecars validated
// with @vlp/tasks' schema, the files copied into the app's data folder) and exporting a trained model to
// ONNX with @vlp/tasks' exportTowers in a worker thread. Source and destination paths pass the allow-list.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MODEL_FILES } from '@vlp/pretrain';
import { readSidecar, sidecarPath, type TowerSidecar } from '@vlp/tasks';
import { ApiError, type ArgsOf, type ModelFiles, type ModelInfo } from '../../shared/contract.js';
import type { BackendService } from './backends.js';
import type { FolderAccess } from './folders.js';
import type { ModelSource, TasksJobInput, TasksJobMessage } from './tasks-worker.js';
import { workerExecArgv } from './training.js';

/** The colour-histogram baseline's id: labels by colour words, no training needed. */
export const BASELINE_ID = 'colour';

/**
 * Runs one tasks-worker job to its end; `onMessage` sees every message.
 *
 * @example
 * ```ts
 * const { worker, done } = runTasksJob(url, input, (m) => console.log(m.type));
 * await done;
 * ```
 */
export function runTasksJob(
  url: URL,
  input: TasksJobInput,
  onMessage: (m: TasksJobMessage) => void = () => undefined,
): { worker: Worker; done: Promise<Extract<TasksJobMessage, { type: 'done' }>> } {
  const worker = new Worker(url, { workerData: input, execArgv: workerExecArgv() });
  const done = new Promise<Extract<TasksJobMessage, { type: 'done' }>>((ok, fail) => {
    let settled = false;
    worker.on('message', (m: TasksJobMessage) => {
      onMessage(m);
      if (m.type === 'done') {
        settled = true;
        ok(m);
      } else if (m.type === 'error') {
        settled = true;
        fail(new Error(m.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      fail(error);
    });
    worker.on('exit', (code) => {
      if (!settled) fail(new Error(`worker ended (exit ${code}) before finishing`));
    });
  });
  return { worker, done };
}

/**
 * Models for labelling; import and export.
 *
 * @example
 * ```ts
 * const models = new ModelService(folders, backends, dataDir, tasksWorkerUrl);
 * const list = await models.list(); // [{ id: 'colour', kind: 'baseline', ... }, ...]
 * ```
 */
export class ModelService {
  constructor(
    private readonly folders: FolderAccess,
    private readonly backends: BackendService,
    private readonly dataDir: string,
    private readonly workerUrl: URL,
  ) {}

  async list(): Promise<ModelInfo[]> {
    const out: ModelInfo[] = [
      {
        id: BASELINE_ID,
        name: 'colour baseline',
        kind: 'baseline',
        dir: null,
        details: 'colour histograms vs colour words: needs no training (labels should name colours)',
      },
    ];
    const runs = join(this.dataDir, 'runs');
    const trained: Array<ModelInfo & { createdAt: string }> = [];
    for (const id of await this.entries(runs)) {
      const dir = join(runs, id, 'model');
      const config = await this.readJson(join(dir, MODEL_FILES.config));
      const run = await this.readJson(join(runs, id, 'run.json'));
      if (config === null) continue;
      const recipe = (config.recipe as { name?: string } | undefined)?.name ?? 'model';
      // run.corpus is <dataDir>/corpora/<name>/manifest.json
      const corpus = typeof run?.corpus === 'string' ? basename(dirname(run.corpus)) : '?';
      const createdAt = String(run?.createdAt ?? '');
      trained.push({
        id,
        name: `${recipe} (${id.slice(0, 8)})`,
        kind: 'trained',
        dir,
        details: `trained ${createdAt.slice(0, 16)} on ${corpus}, vocabulary ${String(config.vocabSize)}`,
        createdAt,
      });
    }
    // Oldest first, so the newest trained model is the last one.
    trained.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    for (const { createdAt: _, ...info } of trained) out.push(info);
    const imported = join(this.dataDir, 'models');
    for (const id of await this.entries(imported)) {
      const dir = join(imported, id);
      const meta = await this.readJson(join(dir, 'import.json'));
      if (meta === null) continue;
      out.push({
        id,
        name: String(meta.name),
        kind: 'onnx',
        dir,
        details: `ONNX pair imported from ${String(meta.from)} (${String(meta.image)} / ${String(meta.text)})`,
      });
    }
    return out;
  }

  /** The model `id` as a worker source. */
  async source(id: string): Promise<{ info: ModelInfo; source: ModelSource }> {
    const info = (await this.list()).find((m) => m.id === id);
    if (info === undefined) throw new ApiError(404, `no model with id ${id}`);
    if (info.kind === 'baseline' || info.dir === null) return { info, source: { kind: 'baseline' } };
    return { info, source: { kind: info.kind, dir: info.dir } };
  }

  /** Validates both sidecars, then copies the pair (and its tokenizer) into `<dataDir>/models/<id>`. */
  async import(args: ArgsOf<'modelsImport'>): Promise<ModelFiles> {
    const image = await this.folders.resolve(args.image, 'file');
    const text = await this.folders.resolve(args.text, 'file');
    const tokenizer =
      args.tokenizer === undefined ? undefined : await this.folders.resolve(args.tokenizer, 'file');
    const sidecars: TowerSidecar[] = [];
    for (const [path, kind] of [
      [image, 'image'],
      [text, 'text'],
    ] as const) {
      await this.folders.resolve(sidecarPath(path), 'file').catch(() => {
        throw new ApiError(400, `${path}: no sidecar ${basename(sidecarPath(path))} beside it`);
      });
      let sidecar: TowerSidecar;
      try {
        sidecar = await readSidecar(path);
      } catch (error) {
        throw new ApiError(400, (error as Error).message);
      }
      if (sidecar.kind !== kind)
        throw new ApiError(400, `${sidecarPath(path)}: says kind "${sidecar.kind}", expected "${kind}"`);
      sidecars.push(sidecar);
    }
    const textSidecar = sidecars[1] as TowerSidecar;
    const named = textSidecar.text?.tokenizer ?? null;
    const tokenizerFile =
      tokenizer ??
      (named === null ? undefined : await this.folders.resolve(resolve(dirname(text), named), 'file'));
    if (tokenizerFile === undefined)
      throw new ApiError(400, `${sidecarPath(text)} names no tokenizer: pick a tokenizer.json or vocab.txt`);
    const id = randomUUID();
    const dir = join(this.dataDir, 'models', id);
    await mkdir(dir, { recursive: true });
    const tokName = basename(tokenizerFile).endsWith('.txt') ? 'vocab.txt' : 'tokenizer.json';
    try {
      await copyFile(image, join(dir, 'image.onnx'));
      await copyFile(sidecarPath(image), join(dir, 'image.json'));
      await copyFile(text, join(dir, 'text.onnx'));
      const copiedText = { ...textSidecar, text: { ...textSidecar.text, tokenizer: tokName } };
      await writeFile(join(dir, 'text.json'), `${JSON.stringify(copiedText, null, 2)}\n`);
      await copyFile(tokenizerFile, join(dir, tokName));
      const meta = { name: args.name, from: dirname(image), image: basename(image), text: basename(text) };
      await writeFile(join(dir, 'import.json'), `${JSON.stringify(meta, null, 2)}\n`);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const model = (await this.list()).find((m) => m.id === id) as ModelInfo;
    return {
      model,
      files: ['image.onnx', 'image.json', 'text.onnx', 'text.json', tokName].map((f) => join(dir, f)),
    };
  }

  /** ONNX export of a trained model into `dest/<recipe>-<id8>-onnx` (a worker does the tfjs work). */
  async export(args: ArgsOf<'modelsExport'>): Promise<ModelFiles> {
    const dest = await this.folders.resolve(args.dest, 'directory');
    const { info, source } = await this.source(args.id);
    if (source.kind !== 'trained')
      throw new ApiError(
        400,
        `${info.name} is ${info.kind === 'onnx' ? 'already ONNX' : 'not a trained model'}`,
      );
    const outDir = join(dest, `${info.name.replace(/[^\w.-]+/g, '-').replace(/-+$/, '')}-onnx`);
    if (existsSync(outDir)) throw new ApiError(409, `${outDir} already exists`);
    const backend = (await this.backends.report()).effective ?? 'auto';
    const { done } = runTasksJob(this.workerUrl, { task: 'export', model: source, backend, outDir });
    try {
      const result = await done;
      return { model: info, files: result.files };
    } catch (error) {
      throw new ApiError(500, `export of ${info.name} failed: ${(error as Error).message}`);
    }
  }

  private async entries(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && /^[a-z0-9-]{1,64}$/.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  private async readJson(path: string): Promise<Record<string, unknown> | null> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
}
