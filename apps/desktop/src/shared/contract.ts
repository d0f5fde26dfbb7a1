// The app's API contract, shared by Electron (IPC through the preload) and web mode (HTTP + SSE): one type,
// `Contract`, mapping each call to its arguments and result, zod schemas that main runs on every argument
// before a service sees it, and the typed events (progress, log, job state) main pushes to the renderer.
import { z } from 'zod';
import { BACKEND_CHOICES, CORPUS_KINDS } from './constants.js';

export { BACKEND_CHOICES, CORPUS_KINDS, channelOf, EVENT_CHANNEL } from './constants.js';

const absPath = z.string().min(1).max(4096);
const id = z.string().regex(/^[a-z0-9-]{1,64}$/);
const labelText = z.string().trim().min(1).max(200);
const sourceName = z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - only');

/**
 * Argument schemas, one per call. Every schema is strict: unknown keys are rejected, not dropped.
 *
 * @example
 * ```ts
 * ARG_SCHEMAS.corpusAdd.parse({ name: 'photos', kind: 'images', path: '/home/me/photos' });
 * ```
 */
export const ARG_SCHEMAS = {
  backendsReport: z.strictObject({}),
  backendsSelect: z.strictObject({ name: z.enum(BACKEND_CHOICES) }),
  foldersList: z.strictObject({}),
  foldersChoose: z.strictObject({ path: absPath.optional() }),
  foldersRemove: z.strictObject({ id }),
  corpusAdd: z.strictObject({
    name: sourceName,
    kind: z.enum(CORPUS_KINDS),
    path: absPath,
  }),
  corpusList: z.strictObject({}),
  thumbnail: z.strictObject({ path: absPath, size: z.int().min(16).max(512).optional() }),
  jobsStart: z.strictObject({
    kind: z.literal('thumbnails'),
    path: absPath,
    size: z.int().min(16).max(512).optional(),
  }),
  jobsList: z.strictObject({}),
  jobsCancel: z.strictObject({ id }),
  trainRecipes: z.strictObject({}),
  trainStart: z.strictObject({
    /** A corpus source added on the Corpus screen (its manifest passed the folder check then). */
    corpus: sourceName,
    recipe: z.string().regex(/^[a-z0-9-]{1,64}$/),
    steps: z.int().min(1).max(1_000_000),
    batchSize: z.int().min(2).max(512).optional(),
    lr: z.number().positive().max(1).optional(),
  }),
  trainControl: z.strictObject({ id, action: z.enum(['pause', 'resume', 'stop']) }),
  trainList: z.strictObject({}),
  modelsList: z.strictObject({}),
  modelsImport: z.strictObject({
    name: sourceName,
    /** The image tower, with its sidecar `<name>.json` beside it (@vlp/tasks' format). */
    image: absPath,
    text: absPath,
    /** A tokenizer.json or vocab.txt, when the text sidecar names none. */
    tokenizer: absPath.optional(),
  }),
  modelsExport: z.strictObject({ id, dest: absPath }),
  labelStart: z
    .strictObject({
      model: id,
      folder: absPath,
      labels: z.array(labelText).min(2).max(1000).optional(),
      /** One label a line (blank lines and lines starting with # ignored). */
      labelsFile: absPath.optional(),
      threshold: z.number().min(0).max(1),
      topK: z.int().min(1).max(10).optional(),
    })
    .refine((a) => (a.labels === undefined) !== (a.labelsFile === undefined), {
      message: 'give labels or labelsFile (exactly one)',
    }),
  labelResults: z.strictObject({ id }),
  labelCorrect: z.strictObject({ id, path: z.string().min(1).max(4096), label: labelText }),
  labelExport: z.strictObject({ id, format: z.enum(['csv', 'jsonl']), path: absPath }),
  labelOrganise: z.strictObject({
    id,
    mode: z.enum(['copy', 'move']),
    dest: absPath,
    /** The renderer asked the user first; main refuses without it. */
    confirmed: z.literal(true),
  }),
  labelCancel: z.strictObject({ id }),
  labelList: z.strictObject({}),
} as const;

/** The names of every call, in a stable order (IPC channels and HTTP routes are derived from them). */
export type Method = keyof typeof ARG_SCHEMAS;
export const METHODS = Object.keys(ARG_SCHEMAS) as Method[];

/** Arguments of call `M`, as the zod schema infers them. */
export type ArgsOf<M extends Method> = z.infer<(typeof ARG_SCHEMAS)[M]>;

/** One backend row of tensor-core's report. */
export interface BackendRow {
  name: string;
  available: boolean;
  status: string;
  details: string;
}

/** The Backends screen: every probe, what 'auto' picks, the user's choice and the WebGPU adapter. */
export interface BackendsView {
  rows: BackendRow[];
  auto: string | null;
  selected: (typeof BACKEND_CHOICES)[number];
  /** The backend jobs will use: `selected`, or `auto` when the choice is 'auto'. */
  effective: string | null;
  webgpu: { adapter: string | null; reason: string | null };
  text: string;
}

/** A folder the user picked; every path argument must resolve (realpath) inside one of these. */
export interface FolderGrant {
  id: string;
  path: string;
}

/** One file ingest left out, with a small preview where the file can still be decoded. */
export interface SkippedView {
  path: string;
  reason: string;
  message: string;
  thumbnail: string | null;
}

/** A registered corpus source and what validating it found. */
export interface CorpusReport {
  name: string;
  kind: (typeof CORPUS_KINDS)[number];
  path: string;
  manifestPath: string;
  counts: {
    pairs: number;
    images: number;
    texts: number;
    captions: number;
    skipped: number;
    duplicates: number;
  };
  skipped: SkippedView[];
  /** Data-URL thumbnails of the first few accepted images. */
  samples: { path: string; thumbnail: string }[];
}

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  kind: 'thumbnails';
  state: JobState;
  done: number;
  total: number;
  /** Files the job could not process (reported as log events). */
  failed: number;
  outDir: string;
  error: string | null;
}

/** A training recipe of @vlp/pretrain: `<method>-<size>`. */
export interface RecipeInfo {
  name: string;
  method: string;
  /** tiny, small, base (the part after the method). */
  size: string;
  description: string;
}

export type TrainState = 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

/** One point of the live charts. */
export interface TrainPoint {
  step: number;
  loss: number;
  lr: number;
}

/** A checkpoint the trainer wrote (periodic, on pause / stop, or final). */
export interface CheckpointInfo {
  step: number;
  dir: string;
  reason: string;
}

/** Retrieval on held-out pairs: for each held-out image, the held-out caption ranked first. */
export interface TrainPreview {
  step: number;
  accuracy: number;
  chance: number;
  items: { thumbnail: string | null; truth: string; predicted: string; correct: boolean }[];
}

/** A training run: what the Train screen shows (history = every step's loss and lr, for the charts). */
export interface TrainRun {
  id: string;
  recipe: string;
  corpus: string;
  state: TrainState;
  /** The tensor-core backend the worker activated (null until it started). */
  backend: string | null;
  step: number;
  totalSteps: number;
  stepsPerSecond: number | null;
  etaSeconds: number | null;
  trainPairs: number;
  heldOut: number;
  checkpoints: CheckpointInfo[];
  history: TrainPoint[];
  preview: TrainPreview | null;
  /** The run folder: checkpoints, run.json and, when done or stopped, model/ (a trained-model dir). */
  dir: string;
  /** The trained-model dir, once written. */
  modelDir: string | null;
  error: string | null;
}

/** A model the Label screen can use: the colour baseline, a trained run, or an imported ONNX pair. */
export interface ModelInfo {
  id: string;
  name: string;
  kind: 'baseline' | 'trained' | 'onnx';
  /** The trained-model dir or the folder holding image.onnx / text.onnx (null for the baseline). */
  dir: string | null;
  details: string;
}

/** What an export or import wrote. */
export interface ModelFiles {
  model: ModelInfo;
  files: string[];
}

export type LabelState = 'running' | 'done' | 'failed' | 'cancelled';

/** A labelling run (one worker thread running @vlp/tasks' labelFolder). */
export interface LabelRun {
  id: string;
  model: string;
  folder: string;
  labels: string[];
  threshold: number;
  state: LabelState;
  done: number;
  total: number;
  imagesPerSecond: number | null;
  etaSeconds: number | null;
  /** The run's output (JSONL, in the app's data folder); corrections are written back into it. */
  output: string;
  summary: { labelled: number; skipped: number; unknown: number } | null;
  error: string | null;
}

/** One labelled (or skipped) image. */
export interface LabelRowView {
  /** Relative to the labelled folder, '/' separated (the output's key). */
  path: string;
  /** Absolute path, for thumbnails. */
  file: string;
  status: 'ok' | 'skipped';
  label: string;
  score: number | null;
  labels: string[];
  scores: number[];
  reason: string | null;
  corrected: boolean;
}

/**
 * The contract: each call's arguments and result. Electron's preload, the web client and main's dispatcher
 * are all checked against this one type.
 */
export interface Contract {
  backendsReport: { args: ArgsOf<'backendsReport'>; result: BackendsView };
  backendsSelect: { args: ArgsOf<'backendsSelect'>; result: BackendsView };
  foldersList: { args: ArgsOf<'foldersList'>; result: FolderGrant[] };
  /** Electron: a native folder dialog (path = where it opens). Web mode: grants the typed path. */
  foldersChoose: { args: ArgsOf<'foldersChoose'>; result: FolderGrant | null };
  foldersRemove: { args: ArgsOf<'foldersRemove'>; result: FolderGrant[] };
  corpusAdd: { args: ArgsOf<'corpusAdd'>; result: CorpusReport };
  corpusList: { args: ArgsOf<'corpusList'>; result: CorpusReport[] };
  thumbnail: { args: ArgsOf<'thumbnail'>; result: string };
  jobsStart: { args: ArgsOf<'jobsStart'>; result: JobInfo };
  jobsList: { args: ArgsOf<'jobsList'>; result: JobInfo[] };
  jobsCancel: { args: ArgsOf<'jobsCancel'>; result: JobInfo };
  trainRecipes: { args: ArgsOf<'trainRecipes'>; result: RecipeInfo[] };
  trainStart: { args: ArgsOf<'trainStart'>; result: TrainRun };
  trainControl: { args: ArgsOf<'trainControl'>; result: TrainRun };
  trainList: { args: ArgsOf<'trainList'>; result: TrainRun[] };
  modelsList: { args: ArgsOf<'modelsList'>; result: ModelInfo[] };
  modelsImport: { args: ArgsOf<'modelsImport'>; result: ModelFiles };
  /** Trained models only: ONNX towers + sidecars + tokenizer.json into `dest/<name>-onnx`. */
  modelsExport: { args: ArgsOf<'modelsExport'>; result: ModelFiles };
  labelStart: { args: ArgsOf<'labelStart'>; result: LabelRun };
  labelResults: { args: ArgsOf<'labelResults'>; result: { run: LabelRun; rows: LabelRowView[] } };
  labelCorrect: { args: ArgsOf<'labelCorrect'>; result: LabelRowView };
  labelExport: { args: ArgsOf<'labelExport'>; result: { path: string; rows: number } };
  labelOrganise: {
    args: ArgsOf<'labelOrganise'>;
    result: { mode: 'copy' | 'move'; dest: string; files: number; perLabel: Record<string, number> };
  };
  labelCancel: { args: ArgsOf<'labelCancel'>; result: LabelRun };
  labelList: { args: ArgsOf<'labelList'>; result: LabelRun[] };
}

/** Events main pushes: job progress, job state changes and log lines. */
export type AppEvent =
  | { type: 'progress'; jobId: string; done: number; total: number; item: string }
  | { type: 'job'; job: JobInfo }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** A run changed state, wrote a checkpoint or a preview (history left out: points come as trainStep). */
  | { type: 'train'; run: TrainRun }
  | { type: 'label'; run: LabelRun }
  | {
      type: 'trainStep';
      runId: string;
      point: TrainPoint;
      stepsPerSecond: number;
      etaSeconds: number | null;
    };

/** The API surface the renderer sees: every contract call plus an event subscription. */
export type VlpApi = {
  [M in Method]: (args: Contract[M]['args']) => Promise<Contract[M]['result']>;
} & { onEvent(listener: (event: AppEvent) => void): () => void };

/** An error a caller can act on; `status` is the HTTP status web mode answers with. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 500,
    message: string,
  ) {
    super(message);
  }
}
