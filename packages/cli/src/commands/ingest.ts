// `vlp ingest`: turns raw sources (JSONL / CSV pairs, Karpathy or COCO JSON, sidecar captions, WebDataset
// shards, image folders, text files) into a corpus manifest that `vlp pretrain` reads, and reports what was
// skipped and why (grouped by reason, a few examples each), so a bad download is visible before training.
import { basename, extname } from 'node:path';
import { type CorpusManifest, ingest, SOURCE_KINDS, type SourceSpec } from '@vlp/pretrain';
import type { Command } from 'commander';
import { _int } from './_common.js';

type _Kind = (typeof SOURCE_KINDS)[number];

/** Kinds whose image paths are relative to an image root. */
const _WITH_ROOT: ReadonlySet<_Kind> = new Set(['jsonl', 'csv', 'karpathy', 'coco']);

/**
 * Parses `kind:path` arguments into source specs: names come from the file names (made unique), and
 * `--image-root` applies to the kinds that reference images by path.
 *
 * @example
 * ```ts
 * _parseSources(['jsonl:pairs.jsonl', 'images:icons/'], 'img/');
 * // [{ kind: 'jsonl', name: 'pairs', path: 'pairs.jsonl', imageRoot: 'img/' }, { kind: 'images', name: 'icons', path: 'icons/' }]
 * ```
 */
export function _parseSources(args: readonly string[], imageRoot?: string): SourceSpec[] {
  const names = new Set<string>();
  return args.map((arg) => {
    const at = arg.indexOf(':');
    const kind = arg.slice(0, at) as _Kind;
    const path = arg.slice(at + 1);
    if (at <= 0 || !SOURCE_KINDS.includes(kind) || path === '')
      throw new Error(`source "${arg}": expected KIND:PATH with KIND one of ${SOURCE_KINDS.join(', ')}`);
    const stem = basename(path.replace(/[/\\]+$/, ''), extname(path)) || kind;
    let name = stem;
    for (let i = 2; names.has(name); i++) name = `${stem}-${i}`;
    names.add(name);
    return {
      kind,
      name,
      path,
      ...(imageRoot !== undefined && _WITH_ROOT.has(kind) ? { imageRoot } : {}),
    };
  });
}

/** Per-source counts and the skip report, as printed. */
export function _formatIngest(manifest: CorpusManifest, path: string, examples = 3): string {
  const rows = [['source', 'kind', 'pairs', 'images', 'texts', 'skipped', 'duplicates', 'truncated']];
  for (const s of manifest.sources) {
    const c = s.counts;
    rows.push([
      s.name,
      s.kind,
      ...[c.pairs, c.images, c.texts, c.skipped, c.duplicates, c.truncated].map(String),
    ]);
  }
  const widths = rows[0]?.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length))) ?? [];
  const table = rows.map((r) =>
    r
      .map((v, j) => v.padEnd(widths[j] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const out = [`wrote ${path}`, '', ...table];
  const byReason = new Map<string, CorpusManifest['skipped']>();
  for (const s of manifest.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s]);
  if (byReason.size > 0) {
    out.push('', `skipped ${manifest.skipped.length}:`);
    for (const [reason, list] of [...byReason].sort((a, b) => b[1].length - a[1].length)) {
      out.push(`  ${reason} (${list.length})`);
      for (const s of list.slice(0, examples)) out.push(`    ${s.source}: ${s.path}: ${s.message}`);
      if (list.length > examples) out.push(`    ... ${list.length - examples} more in the manifest`);
    }
  } else out.push('', 'nothing skipped');
  if (manifest.pairs.length === 0 && manifest.images.length === 0)
    out.push('', 'warning: no usable image: vlp pretrain needs pairs');
  return out.join('\n');
}

/**
 * Adds `ingest <sources...> --out DIR` to a program.
 *
 * @example
 * ```ts
 * await registerIngest(new Command('vlp')).parseAsync(
 *   ['node', 'vlp', 'ingest', 'jsonl:pairs.jsonl', 'texts:wiki.txt', '--out', 'corpus'],
 * );
 * ```
 */
export function registerIngest(program: Command): Command {
  program
    .command('ingest')
    .description('check raw sources and write a corpus manifest for vlp pretrain, reporting what was skipped')
    .argument('<sources...>', `KIND:PATH, KIND one of ${SOURCE_KINDS.join(', ')}`)
    .requiredOption('--out <dir>', 'corpus directory (manifest.json goes here)')
    .option(
      '--image-root <dir>',
      'folder image paths in jsonl / csv / karpathy / coco sources are relative to',
    )
    .option('--max-caption-chars <n>', 'cut longer captions (noted in the manifest)', _int(1))
    .option('--examples <n>', 'skipped entries listed per reason', _int(0), 3)
    .option('--json', 'print counts and skipped entries as JSON')
    .addHelpText(
      'after',
      `
Examples:
  vlp ingest jsonl:pairs.jsonl --image-root images/ --out corpus
  vlp ingest karpathy:dataset_coco.json --image-root coco/ images:unlabelled/ texts:wiki.txt --out corpus`,
    )
    .action(
      async (
        args: string[],
        o: { out: string; imageRoot?: string; maxCaptionChars?: number; examples: number; json?: boolean },
      ) => {
        const sources = _parseSources(args, o.imageRoot);
        const { manifest, path } = await ingest(sources, {
          outDir: o.out,
          ...(o.maxCaptionChars !== undefined ? { maxCaptionChars: o.maxCaptionChars } : {}),
          onSource: (name, c) => {
            if (o.json !== true)
              process.stderr.write(
                `${name}: ${c.pairs} pairs, ${c.images} images, ${c.texts} texts, ${c.skipped} skipped\n`,
              );
          },
        });
        if (o.json === true) {
          const { sources: counts, skipped, duplicates, notes } = manifest;
          console.log(JSON.stringify({ manifest: path, sources: counts, skipped, duplicates, notes }));
        } else console.log(_formatIngest(manifest, path, o.examples));
      },
    );
  return program;
}
