// The demo job's worker thread: thumbnails every image below a folder (sharp), posting progress after each
// file. It stands in for training and labelling, which will run the same way: off the main thread, with
// messages `{type:'progress'}` then one `{type:'done'}`. Symlinks are not followed (the folder check in main
// only vouched for the folder itself).
import { mkdir, readdir } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';

/** What main passes in `workerData`. */
export interface ThumbnailJobInput {
  root: string;
  outDir: string;
  size: number;
}

/** Messages the worker posts. */
export type ThumbnailJobMessage =
  | { type: 'progress'; done: number; total: number; item: string }
  | { type: 'done'; written: number; failed: { path: string; message: string }[] };

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out.sort();
}

async function run(input: ThumbnailJobInput, post: (m: ThumbnailJobMessage) => void): Promise<void> {
  const files = await walk(input.root);
  await mkdir(input.outDir, { recursive: true });
  const failed: { path: string; message: string }[] = [];
  let written = 0;
  for (const [i, file] of files.entries()) {
    const rel = relative(input.root, file);
    const target = join(input.outDir, `${String(i).padStart(6, '0')}.png`);
    try {
      await sharp(file, { limitInputPixels: 40_000_000 })
        .rotate()
        .resize(input.size, input.size, { fit: 'cover' })
        .png()
        .toFile(target);
      written++;
    } catch (error) {
      failed.push({ path: rel, message: (error as Error).message });
    }
    post({ type: 'progress', done: i + 1, total: files.length, item: rel });
  }
  post({ type: 'done', written, failed });
}

if (parentPort !== null) {
  const port = parentPort;
  run(workerData as ThumbnailJobInput, (m) => port.postMessage(m)).catch((error: unknown) => {
    throw error instanceof Error ? error : new Error(String(error));
  });
}
