// `vlp label`: zero-shot labelling of an image folder with a trained model (or the colour baseline) into a
// CSV / JSONL file, optionally copying or moving each image into one folder per label. Resumable: a rerun
// of the same command skips what the output already holds; Ctrl-C stops after the current batch.
import { readFile } from 'node:fs/promises';
import { LABEL_IMAGE_EXTENSIONS, type LabelSummary, labelFolder } from '@vlp/tasks';
import { releaseBackends } from '@vlp/tensor-core';
import type { Command } from 'commander';
import { _askYesNo, _duration, _int, _list, _loadEmbedder, _num, _Progress } from './_common.js';

/** Options of `vlp label` as commander parses them. */
interface _LabelOptions {
  labels?: string[];
  labelsFile?: string;
  out: string;
  threshold: number;
  topK: number;
  batchSize: number;
  concurrency?: number;
  copyTo?: string;
  moveTo?: string;
  yes?: boolean;
  backend?: string;
  json?: boolean;
}

async function _readLabels(o: _LabelOptions): Promise<string[]> {
  if ((o.labels === undefined) === (o.labelsFile === undefined))
    throw new Error('pass exactly one of --labels a,b,c and --labels-file FILE');
  let labels = o.labels ?? [];
  if (o.labelsFile !== undefined) {
    let text: string;
    try {
      text = await readFile(o.labelsFile, 'utf8');
    } catch (e) {
      throw new Error(`--labels-file ${o.labelsFile}: cannot read (${(e as NodeJS.ErrnoException).code})`);
    }
    labels = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  }
  const unique = [...new Set(labels)];
  if (unique.length < 2)
    throw new Error(
      `need at least two distinct labels, got ${unique.length}${o.labelsFile ? ` in ${o.labelsFile}` : ''}`,
    );
  return unique;
}

/** The summary lines printed after a run. */
export function _formatLabelSummary(s: LabelSummary, seconds: number): string {
  if (s.total === 0) return `no images found (looked for ${[...LABEL_IMAGE_EXTENSIONS].join(' ')})`;
  const lines = [
    `${s.labelled} labelled, ${s.skipped} unreadable, ${s.resumed} already in ${s.output}` +
      (s.aborted ? ' (interrupted: run the same command again to resume)' : ''),
  ];
  if (s.labelled > 0) lines.push(`${(s.labelled / Math.max(seconds, 1e-9)).toFixed(1)} images/s`);
  const per = Object.entries(s.perLabel).sort((a, b) => b[1] - a[1]);
  if (per.length > 0) lines.push(`per label: ${per.map(([l, n]) => `${l} ${n}`).join(', ')}`);
  if (s.reorganised > 0) lines.push(`${s.reorganised} images labelled by an earlier run sorted now`);
  return lines.join('\n');
}

/**
 * Adds `label <model> <folder>` to a program.
 *
 * @example
 * ```ts
 * await registerLabel(new Command('vlp')).parseAsync(
 *   ['node', 'vlp', 'label', 'runs/albef', 'photos', '--labels', 'cat,dog', '--out', 'labels.csv'],
 * );
 * ```
 */
export function registerLabel(program: Command): Command {
  program
    .command('label')
    .description('zero-shot label every image under a folder (resumable), optionally sorting into folders')
    .argument('<model>', 'trained-model directory (from vlp pretrain), or "colour" for the colour baseline')
    .argument('<folder>', 'images to label (walked recursively, symlinks followed once)')
    .option('--labels <a,b,c>', 'candidate labels, comma separated', _list)
    .option('--labels-file <file>', 'candidate labels, one per line (# comments)')
    .requiredOption('--out <file>', 'output .csv or .jsonl (appended; a rerun resumes from it)')
    .option('--threshold <p>', 'top score under this gives the label "unknown"', _num(0, 1), 0)
    .option('--top-k <k>', 'labels and scores kept per image', _int(1), 3)
    .option('--batch-size <n>', 'images per batch', _int(1), 32)
    .option('--concurrency <n>', 'parallel decodes (default: cores)', _int(1))
    .option('--copy-to <dir>', 'copy each image into <dir>/<label>/ (never overwrites)')
    .option('--move-to <dir>', 'move each image into <dir>/<label>/ (asks first unless --yes)')
    .option('-y, --yes', 'do not ask before moving')
    .option('--backend <name>', 'compute backend (default auto; see vlp doctor)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  vlp label runs/albef-tiny photos --labels cat,dog,bird --out labels.csv --threshold 0.4
  vlp label colour emoji/ --labels-file colours.txt --out labels.jsonl --copy-to sorted/`,
    )
    .action(async (model: string, folder: string, o: _LabelOptions) => {
      const labels = await _readLabels(o);
      if (o.copyTo !== undefined && o.moveTo !== undefined)
        throw new Error('--copy-to and --move-to exclude each other');
      const { embedder, dispose } = await _loadEmbedder(model, o.backend);
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: every written row is on disk
        process.stderr.write('\nstopping after this batch (Ctrl-C again to stop now)...\n');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      const bar = new _Progress('labelling', '{value}/{total} | {rate} img/s | ETA {eta}');
      const started = performance.now();
      try {
        const summary = await labelFolder({
          dir: folder,
          embedder,
          labels,
          output: o.out,
          threshold: o.threshold,
          topK: o.topK,
          batchSize: o.batchSize,
          ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
          ...(o.copyTo !== undefined ? { copyTo: o.copyTo } : {}),
          ...(o.moveTo !== undefined ? { moveTo: o.moveTo } : {}),
          yes: o.yes === true,
          confirm: _askYesNo,
          signal: controller.signal,
          onProgress: (p) =>
            bar.update(p.done, p.total, {
              rate: p.imagesPerSecond.toFixed(1),
              eta: _duration(p.etaSeconds),
            }),
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        console.log(o.json === true ? JSON.stringify(summary) : _formatLabelSummary(summary, seconds));
        if (summary.aborted) process.exitCode = 130;
      } finally {
        bar.stop();
        process.off('SIGINT', onSigint);
        dispose();
        await releaseBackends();
      }
    });
  return program;
}
