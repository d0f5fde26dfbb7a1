// Helpers the compute subcommands share: option parsers that reject bad numbers with the option's name,
// backend activation, the embedder behind a model argument (a trained-model directory or the colour
// baseline), a progress bar on stderr (cli-progress on a terminal, a line every few seconds otherwise) and
// the yes/no question `--move-to` asks.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { loadModel, MODEL_FILES } from '@vlp/pretrain';
import { colourEmbedder, type Embedder, loadOnnxEmbedder, vlpEmbedder } from '@vlp/tasks';
import { parseBackendName, selectBackend } from '@vlp/tensor-core';
import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';

/** Commander parser for an integer >= `min`. */
export function _int(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

/** Commander parser for a finite number within [min, max]. */
export function _num(min: number, max = Number.POSITIVE_INFINITY): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a number in [${min}, ${max}]`);
    return n;
  };
}

/** Activates `--backend` (default auto, or VLP_BACKEND) and returns its name. */
export async function _useBackend(name: string | undefined): Promise<string> {
  return (await selectBackend(name === undefined || name === 'auto' ? 'auto' : parseBackendName(name))).name;
}

/** The model argument's name for the colour-histogram baseline (no training needed). */
export const COLOUR_MODEL = 'colour';

/**
 * The embedder a model argument names: `colour` (the colour-histogram baseline), a directory of ONNX
 * towers written by `vlp export` (run by onnxruntime-node), or a trained-model directory written by
 * `vlp pretrain` (its `model.json`, weights and tokenizer), run on `backend`.
 */
export async function _loadEmbedder(
  spec: string,
  backend: string | undefined,
): Promise<{ embedder: Embedder; dispose: () => void; describe: string }> {
  if (spec === COLOUR_MODEL)
    return { embedder: colourEmbedder(), dispose: () => {}, describe: 'colour-histogram baseline' };
  if (!existsSync(spec)) throw new Error(`model "${spec}": no such directory (or pass "${COLOUR_MODEL}")`);
  if (existsSync(join(spec, 'image.onnx')) && existsSync(join(spec, 'text.onnx'))) {
    const onnx = await loadOnnxEmbedder(spec);
    return { embedder: onnx, dispose: () => void onnx.dispose(), describe: `ONNX towers from ${spec}` };
  }
  if (!existsSync(join(spec, MODEL_FILES.config)))
    throw new Error(
      `model "${spec}": no ${MODEL_FILES.config} here; is it a directory written by vlp pretrain?`,
    );
  const name = await _useBackend(backend); // the colour baseline needs no tensors, a model does
  const { model, tokenizer, recipe } = await loadModel(spec);
  return {
    embedder: vlpEmbedder({ model, tokenizer, id: `${spec}:${recipe.name}` }),
    dispose: () => model.dispose(),
    describe: `${recipe.name} from ${spec} on ${name}`,
  };
}

/** Splits "a, b,c" into trimmed non-empty items. */
export function _list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A progress display on stderr: a cli-progress bar on a terminal; otherwise one plain line at most every
 * `everyMs` (and at the end), so logs of long runs in CI show life without flooding.
 */
export class _Progress {
  private readonly bar: cliProgress.SingleBar | undefined;
  private started = false;
  private lastLine = 0;
  constructor(
    private readonly what: string,
    private readonly format: string,
    private readonly everyMs = 5000,
  ) {
    this.bar = process.stderr.isTTY
      ? new cliProgress.SingleBar({
          format: `${what} {bar} ${format}`,
          hideCursor: true,
          stream: process.stderr,
        })
      : undefined;
  }

  update(value: number, total: number, payload: Record<string, string>): void {
    if (this.bar) {
      if (!this.started) this.bar.start(total, value, payload);
      else {
        this.bar.setTotal(total);
        this.bar.update(value, payload);
      }
      this.started = true;
      return;
    }
    const now = Date.now();
    if (value < total && now - this.lastLine < this.everyMs) return;
    this.lastLine = now;
    const all: Record<string, string> = { ...payload, value: String(value), total: String(total) };
    const rest = this.format.replace(/\{(\w+)\}/g, (_, k: string) => all[k] ?? '');
    process.stderr.write(`${this.what} ${rest}\n`);
  }

  stop(): void {
    if (this.started) this.bar?.stop();
    this.started = false;
  }
}

/** Seconds as "1h02m", "3m05s" or "12s". */
export function _duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Asks a yes/no question on the terminal; false when stdin is not a terminal (then --yes is needed). */
export async function _askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.on('SIGINT', () => resolve('')); // Ctrl-C at the prompt is a no
      rl.question(`${question} [y/N] `).then(resolve, () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
