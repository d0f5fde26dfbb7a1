// Bundles what tsc alone cannot ship: the renderer (browser ESM + index.html + CSS), the sandboxed preload
// (one CommonJS file: a sandboxed preload may only require 'electron') and, for tests that run from source,
// the worker threads (thumbnails, training; the training worker keeps its @vlp imports external so
// @vlp/pretrain finds its recipe configs next to its own dist). Uses esbuild; main is compiled by tsc.
// uPlot's stylesheet is copied beside the renderer (the CSP allows styles from 'self' only).
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** apps/desktop/src, from src/build (tests) and from dist/build (the build script) alike. */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Options for {@link bundle}. */
export interface BundleOptions {
  outDir: string;
  /**
   * Also bundle the workers to `outDir/{thumbnail,train,tasks}-worker.mjs` (tests running from source). `outDir`
   * must then lie inside apps/desktop, so the workers resolve `sharp` and `@vlp/*` from its node_modules.
   */
  worker?: boolean;
  /** Source folder (default: apps/desktop/src). */
  srcDir?: string;
}

/**
 * Builds renderer, preload (and optionally the worker) into `outDir`.
 *
 * @example
 * ```ts
 * await bundle({ outDir: 'dist' }); // dist/renderer/{index.html,main.js,style.css}, dist/preload/index.cjs
 * ```
 */
export async function bundle(options: BundleOptions): Promise<{
  rendererDir: string;
  workerUrl: URL | null;
  trainWorkerUrl: URL | null;
  tasksWorkerUrl: URL | null;
}> {
  const src = options.srcDir ?? SRC;
  const rendererDir = join(options.outDir, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  const common = { bundle: true, sourcemap: true, logLevel: 'warning' as const, target: 'es2022' };
  await build({
    ...common,
    entryPoints: [join(src, 'renderer', 'main.ts')],
    outfile: join(rendererDir, 'main.js'),
    // A classic script, not a module: module scripts from file:// (Electron) count as cross-origin.
    format: 'iife',
    platform: 'browser',
  });
  for (const f of ['index.html', 'style.css']) await copyFile(join(src, 'renderer', f), join(rendererDir, f));
  const uplotCss = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');
  await copyFile(uplotCss, join(rendererDir, 'uPlot.min.css'));
  await build({
    ...common,
    entryPoints: [join(src, 'preload', 'index.ts')],
    outfile: join(options.outDir, 'preload', 'index.cjs'),
    format: 'cjs',
    platform: 'node',
    external: ['electron'],
  });
  let workerUrl: URL | null = null;
  let trainWorkerUrl: URL | null = null;
  let tasksWorkerUrl: URL | null = null;
  if (options.worker === true) {
    const outfile = join(options.outDir, 'thumbnail-worker.mjs');
    await build({
      ...common,
      entryPoints: [join(src, 'main', 'services', 'thumbnail-worker.ts')],
      outfile,
      format: 'esm',
      platform: 'node',
      external: ['sharp'],
    });
    workerUrl = new URL(`file://${outfile}`);
    const external = async (name: string) => {
      const outfile = join(options.outDir, `${name}.mjs`);
      await build({
        ...common,
        entryPoints: [join(src, 'main', 'services', `${name}.ts`)],
        outfile,
        format: 'esm',
        platform: 'node',
        packages: 'external',
      });
      return new URL(`file://${outfile}`);
    };
    trainWorkerUrl = await external('train-worker');
    tasksWorkerUrl = await external('tasks-worker');
  }
  return { rendererDir, workerUrl, trainWorkerUrl, tasksWorkerUrl };
}
