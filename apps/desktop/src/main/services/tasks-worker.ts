// The worker thread behind the Label and Models screens: zero-shot labelling of a folder with @vlp/tasks'
// `labelFolder` (progress after each batch, stops between batches on 'cancel'), and ONNX export of a
// trained model with `exportTowers`. The embedder is a trained-model dir (@vlp/pretrain's `loadModel`, on
// the tensor-core backend main chose), an ONNX tower pair (`loadOnnxEmbedder`) or the colour baseline.
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from '@vlp/pretrain';
import {
  colourEmbedder,
  type Embedder,
  exportTowers,
  type LabelProgress,
  labelFolder,
  loadOnnxEmbedder,
  vlpEmbedder,
} from '@vlp/tasks';
import { selectBackend } from '@vlp/tensor-core';

/** Which model to embed with. */
export type ModelSource =
  | { kind: 'baseline' }
  | { kind: 'trained'; dir: string }
  | { kind: 'onnx'; dir: string };

/** What main passes in `workerData`. */
export type TasksJobInput =
  | {
      task: 'label';
      model: ModelSource;
      backend: string;
      dir: string;
      labels: string[];
      threshold: number;
      topK: number;
      output: string;
    }
  | { task: 'export'; model: ModelSource; backend: string; outDir: string };

/** Messages the worker posts. */
export type TasksJobMessage =
  | { type: 'started'; model: string }
  | { type: 'progress'; progress: LabelProgress }
  | { type: 'done'; labelled: number; skipped: number; unknown: number; files: string[] }
  | { type: 'error'; message: string };

async function loadEmbedder(
  source: ModelSource,
  backend: string,
): Promise<{ embedder: Embedder; describe: string; dispose: () => Promise<void> | void }> {
  if (source.kind === 'baseline')
    return { embedder: colourEmbedder(), describe: 'colour-histogram baseline', dispose: () => undefined };
  if (source.kind === 'onnx') {
    const embedder = await loadOnnxEmbedder(source.dir);
    return { embedder, describe: `ONNX pair in ${source.dir}`, dispose: () => embedder.dispose() };
  }
  const chosen = await selectBackend(backend === 'auto' ? 'auto' : (backend as 'cpu'));
  const { model, tokenizer, recipe } = await loadModel(source.dir);
  return {
    embedder: vlpEmbedder({ model, tokenizer, id: `${source.dir}:${recipe.name}` }),
    describe: `${recipe.name} on ${chosen.name}`,
    dispose: () => model.dispose(),
  };
}

async function run(input: TasksJobInput, post: (m: TasksJobMessage) => void): Promise<void> {
  if (input.task === 'export') {
    if (input.model.kind !== 'trained') throw new Error('only a trained model is exported to ONNX here');
    await selectBackend(input.backend === 'auto' ? 'auto' : (input.backend as 'cpu'));
    const { model, tokenizer, recipe } = await loadModel(input.model.dir);
    post({ type: 'started', model: recipe.name });
    try {
      const files = await exportTowers(model, input.outDir, { tokenizer });
      const written = [files.image, files.text, ...(files.tokenizer ? [files.tokenizer] : [])];
      post({ type: 'done', labelled: 0, skipped: 0, unknown: 0, files: written });
    } finally {
      model.dispose();
    }
    return;
  }
  const controller = new AbortController();
  parentPort?.on('message', (m: { type: string }) => {
    if (m.type === 'cancel') controller.abort();
  });
  const { embedder, describe, dispose } = await loadEmbedder(input.model, input.backend);
  post({ type: 'started', model: describe });
  try {
    const summary = await labelFolder({
      dir: input.dir,
      embedder,
      labels: input.labels,
      threshold: input.threshold,
      topK: input.topK,
      output: input.output,
      batchSize: 16,
      signal: controller.signal,
      onProgress: (progress) => post({ type: 'progress', progress }),
    });
    post({
      type: 'done',
      labelled: summary.labelled,
      skipped: summary.skipped,
      unknown: summary.unknown,
      files: [summary.output],
    });
  } finally {
    await dispose();
  }
}

if (parentPort !== null) {
  const port = parentPort;
  run(workerData as TasksJobInput, (m) => port.postMessage(m)).then(
    () => port.close(),
    (error: unknown) => {
      port.postMessage({ type: 'error', message: (error as Error).message ?? String(error) });
      port.close();
    },
  );
}
