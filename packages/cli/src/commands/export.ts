// `vlp export`: a trained-model directory (what `vlp pretrain` saves, read by @vlp/pretrain's loadModel) to
// ONNX: image.onnx and text.onnx (towers with projections and L2 normalisation), a JSON sidecar each and
// tokenizer.json, ready for onnxruntime. `--check` reruns a few real inputs through both the TensorFlow.js
// model and the exported files and prints the largest difference.
import { loadModel } from '@vlp/pretrain';
import {
  EXPORT_OPSET,
  type ExportedTowerFiles,
  exportTowers,
  loadOnnxEmbedder,
  vlpEmbedder,
} from '@vlp/tasks';
import { parseBackendName, releaseBackends, selectBackend } from '@vlp/tensor-core';
import type { RgbImage } from '@vlp/vision';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

interface _ExportOptions {
  opset: number;
  check?: boolean;
  backend?: string;
  json?: boolean;
}

/**
 * What `vlp export` did; `--json` prints exactly this.
 *
 * @example
 * ```ts
 * const r: ExportReport = await exportModelDir('runs/albef-tiny', 'out/albef-onnx');
 * r.files.image; // 'out/albef-onnx/image.onnx'
 * ```
 */
export interface ExportReport {
  model: string;
  recipe: string;
  files: { image: string; text: string; tokenizer?: string };
  /** With `--check`: the largest |tfjs - onnx| over a few images and texts (unit embeddings). */
  maxDiff?: { image: number; text: number };
}

function _opset(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 17) throw new InvalidArgumentError('expected an integer >= 17');
  return n;
}

function _maxDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let m = 0;
  a.forEach((row, i) => {
    const other = b[i];
    if (other === undefined || other.length !== row.length) throw new Error('check: embedding shapes differ');
    for (let k = 0; k < row.length; k++) m = Math.max(m, Math.abs((row[k] as number) - (other[k] as number)));
  });
  return m;
}

/** A few deterministic test images (gradients and stripes) at `size`. */
function _probeImages(size: number): RgbImage[] {
  return [0, 1, 2, 3].map((k) => {
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const o = (y * size + x) * 3;
        data[o] = (x * 255) / size;
        data[o + 1] = ((y + k * 7) * 97) % 256;
        data[o + 2] = (x + y) % (k + 2) === 0 ? 255 : 30 * k;
      }
    return { data, width: size, height: size };
  });
}

/**
 * Exports the model saved in `modelDir` to `outDir`; with `check`, compares tfjs and ONNX embeddings.
 *
 * @example
 * ```ts
 * const report = await exportModelDir('runs/albef-tiny', 'out/albef-onnx', { check: true });
 * console.log(report.maxDiff); // { image: 1.2e-7, text: 2.1e-7 }
 * ```
 */
export async function exportModelDir(
  modelDir: string,
  outDir: string,
  options: { opset?: number; check?: boolean; onProgress?: (message: string) => void } = {},
): Promise<ExportReport> {
  const { model, tokenizer, recipe } = await loadModel(modelDir);
  try {
    const files: ExportedTowerFiles = await exportTowers(model, outDir, {
      tokenizer,
      opset: options.opset ?? EXPORT_OPSET,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const report: ExportReport = {
      model: modelDir,
      recipe: recipe.name,
      files: {
        image: files.image,
        text: files.text,
        ...(files.tokenizer ? { tokenizer: files.tokenizer } : {}),
      },
    };
    if (options.check === true) {
      const ref = vlpEmbedder({ model, tokenizer });
      const onnx = await loadOnnxEmbedder(outDir);
      try {
        const images = _probeImages(files.imageSidecar.image?.size ?? 32);
        const texts = ['a photo of a cat.', 'red apple', 'grinning face with big eyes', ''];
        report.maxDiff = {
          image: _maxDiff(await onnx.embedImages(images), await ref.embedImages(images)),
          text: _maxDiff(await onnx.embedTexts(texts), await ref.embedTexts(texts)),
        };
      } finally {
        await onnx.dispose();
      }
    }
    return report;
  } finally {
    model.dispose();
  }
}

/**
 * Adds `export <model> <out>` to a program.
 *
 * @example
 * ```ts
 * await registerExport(new Command('vlp')).parseAsync(['node', 'vlp', 'export', 'runs/albef', 'out/albef-onnx']);
 * ```
 */
export function registerExport(program: Command): Command {
  program
    .command('export')
    .description("export a trained model's image and text towers to ONNX (for onnxruntime and vlp label)")
    .argument('<model>', 'trained-model directory (from vlp pretrain)')
    .argument('<out>', 'output directory: image.onnx, text.onnx, their .json sidecars, tokenizer.json')
    .option('--opset <n>', 'ONNX default-domain opset (>= 17)', _opset, EXPORT_OPSET)
    .option(
      '--check',
      'embed a few images and texts with both tfjs and ONNX and print the largest difference',
    )
    .option('--backend <name>', 'compute backend for loading and --check (default auto; see vlp doctor)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  vlp export runs/albef-tiny out/albef-onnx --check
  vlp export runs/soho-tiny out/soho-onnx --opset 18 --json`,
    )
    .action(async (modelDir: string, outDir: string, o: _ExportOptions) => {
      try {
        const b = o.backend;
        await selectBackend(b === undefined || b === 'auto' ? 'auto' : parseBackendName(b));
        const say = o.json === true ? undefined : (m: string) => process.stderr.write(`${m}\n`);
        const report = await exportModelDir(modelDir, outDir, {
          opset: o.opset,
          check: o.check === true,
          ...(say ? { onProgress: say } : {}),
        });
        if (o.json === true) console.log(JSON.stringify(report, null, 2));
        else {
          console.log(`exported ${report.recipe} from ${modelDir} to ${outDir}`);
          if (report.maxDiff)
            console.log(
              `check: max |tfjs - onnx| image ${report.maxDiff.image.toExponential(2)}, text ${report.maxDiff.text.toExponential(2)}`,
            );
        }
      } finally {
        await releaseBackends();
      }
    });
  return program;
}
