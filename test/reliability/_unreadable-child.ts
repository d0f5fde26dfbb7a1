// Run by unreadable.test.ts as an unprivileged user (uid 65534 when the tests run as root), so a mode-000
// file really cannot be read: loads a folder's images with loadImages and ingests it as a sidecar source,
// then prints the outcomes as one JSON line. Bundled by esbuild (CommonJS, sharp left external).
// Usage: node unreadable-child.cjs <dir>   (dir/pics holds the files, dir/out receives the manifest)
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ingest } from '@vlp/pretrain';
import { loadImages } from '@vlp/vision';

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: unreadable-child <dir>');
  const pics = join(dir, 'pics');
  const images = (await readdir(pics)).filter((f) => f.endsWith('.png')).map((f) => join(pics, f));
  const loaded = await loadImages(images, { maxShortSide: 16 });
  const { manifest } = await ingest([{ kind: 'sidecar', name: 'pics', path: pics }], {
    outDir: join(dir, 'out'),
  });
  const result = {
    uid: process.getuid?.() ?? null,
    loaded: loaded.paths,
    skipped: loaded.skipped,
    pairs: manifest.pairs.map((p) => ('path' in p.image ? p.image.path : '')),
    ingestSkipped: manifest.skipped,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
