// The Corpus service: registers sources the user picked and validates them with @vlp/pretrain's `ingest`
// (which decodes every image with @vlp/vision's loader), writing one manifest per source under the app's
// data folder. The report adds previews: thumbnails of skipped files that still decode (a file skipped for
// a reason other than corruption) and of a few
// accepted images. Every path, including each one read back from the manifest, passes the folder check:
// ingest follows symlinks, so an image a link inside the folder leads to outside it is moved from the
// manifest to its skipped list (reason 'outside-folders') and the manifest is rewritten, so training
// never reads it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ingest } from '@vlp/pretrain';
import { ApiError, type ArgsOf, type CorpusReport } from '../../shared/contract.js';
import type { EventHub } from './events.js';
import type { FolderAccess } from './folders.js';
import { thumbnailDataUrl } from './thumbnails.js';

const SAMPLE_COUNT = 8;
const SKIPPED_PREVIEWS = 50;

/**
 * Corpus sources and their validation reports.
 *
 * @example
 * ```ts
 * const corpus = new CorpusService(folders, events, '/home/me/.vlp-desktop');
 * const report = await corpus.add({ name: 'photos', kind: 'images', path: '/home/me/photos' });
 * console.log(report.counts.images, report.skipped.map((s) => s.reason));
 * ```
 */
export class CorpusService {
  private readonly sources = new Map<string, CorpusReport>();

  constructor(
    private readonly folders: FolderAccess,
    private readonly events: EventHub,
    private readonly dataDir: string,
  ) {}

  list(): CorpusReport[] {
    return [...this.sources.values()];
  }

  async add(args: ArgsOf<'corpusAdd'>): Promise<CorpusReport> {
    const path = await this.folders.resolve(args.path);
    const outDir = join(this.dataDir, 'corpora', args.name);
    await mkdir(outDir, { recursive: true });
    this.events.emit({ type: 'log', level: 'info', message: `ingesting ${args.kind} source ${args.name}` });
    let result: Awaited<ReturnType<typeof ingest>>;
    try {
      result = await ingest([{ kind: args.kind, name: args.name, path }], { outDir });
    } catch (error) {
      throw new ApiError(400, `cannot read ${args.kind} source ${path}: ${(error as Error).message}`);
    }
    const { manifest } = result;
    const counts = manifest.sources[0]?.counts;
    const inside = async (rel: string): Promise<string | null> => {
      try {
        return await this.folders.resolve(resolve(outDir, rel));
      } catch {
        return null;
      }
    };
    // One skip per symlink that leads out (named by the link, so nothing of what lies behind it is shown).
    const links = new Set<string>();
    const outsideSkip = async (rel: string, source: string) => {
      const file = resolve(outDir, rel);
      let link = file;
      let viaLink = false;
      for (let parent = dirname(link); parent !== link; parent = dirname(link)) {
        if ((await inside(parent)) !== null) {
          viaLink = true;
          break;
        }
        link = parent;
      }
      // A path the source itself names outside (a JSONL/CSV row) is reported as written.
      const shown = viaLink ? link : file;
      if (links.has(shown)) return;
      links.add(shown);
      manifest.skipped.push({
        source,
        path: relative(outDir, shown),
        reason: 'outside-folders',
        message: viaLink
          ? 'a symlink leading outside the folders you picked: what it leads to is left out'
          : 'outside the folders you picked: left out',
      });
    };
    const keep = async <T extends { image: { path: string } | object; source: string }>(entries: T[]) => {
      const kept: T[] = [];
      for (const e of entries) {
        if (!('path' in e.image) || (await inside(e.image.path)) !== null) kept.push(e);
        else await outsideSkip(e.image.path, e.source);
      }
      return kept;
    };
    const before = { pairs: manifest.pairs.length, images: manifest.images.length };
    manifest.pairs = await keep(manifest.pairs);
    manifest.images = await keep(manifest.images);
    const dropped = before.pairs - manifest.pairs.length + before.images - manifest.images.length;
    if (dropped > 0 && counts !== undefined) {
      counts.pairs -= before.pairs - manifest.pairs.length;
      counts.images -= before.images - manifest.images.length;
      counts.skipped += dropped;
      await writeFile(result.path, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    const skipped = await Promise.all(
      manifest.skipped.map(async (s, i) => {
        const file = s.reason === 'outside-folders' ? null : await inside(s.path);
        const thumbnail = file !== null && i < SKIPPED_PREVIEWS ? await thumbnailDataUrl(file, 64) : null;
        return { path: file ?? s.path, reason: s.reason, message: s.message, thumbnail };
      }),
    );
    const refs = [...manifest.pairs, ...manifest.images].map((e) => e.image);
    const samples: CorpusReport['samples'] = [];
    for (const ref of refs) {
      if (samples.length >= SAMPLE_COUNT) break;
      if (!('path' in ref)) continue;
      const file = await inside(ref.path);
      const thumbnail = file === null ? null : await thumbnailDataUrl(file, 96);
      if (file !== null && thumbnail !== null) samples.push({ path: file, thumbnail });
    }
    const report: CorpusReport = {
      name: args.name,
      kind: args.kind,
      path,
      manifestPath: result.path,
      counts: {
        pairs: counts?.pairs ?? 0,
        images: counts?.images ?? 0,
        texts: counts?.texts ?? 0,
        captions: counts?.captions ?? 0,
        skipped: counts?.skipped ?? 0,
        duplicates: counts?.duplicates ?? 0,
      },
      skipped,
      samples,
    };
    this.sources.set(args.name, report);
    this.events.emit({
      type: 'log',
      level: skipped.length > 0 ? 'warn' : 'info',
      message: `${args.name}: ${report.counts.images + report.counts.pairs} usable, ${skipped.length} skipped`,
    });
    return report;
  }
}
