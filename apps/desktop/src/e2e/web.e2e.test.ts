// End-to-end: Debian's Chromium (driven by playwright-core) against web mode with real services: the real
// tensor-core backend report, @vlp/pretrain's ingest on a folder of real PNGs plus a corrupt one, and the
// thumbnail job in a worker thread with progress over SSE. Screenshots go to apps/desktop/test-results/.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../build/bundle.js';
import { makeEmojiFolder, makeTree, type Tree } from '../main/_test-fixtures.js';
import type { WebServer } from '../main/web/server.js';
import { startWebMode } from '../main/web/start.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DOCS_SHOT = fileURLToPath(new URL('../../../../docs/screenshots/desktop-corpus.png', import.meta.url));

let tree: Tree;
let server: WebServer;
let context: BrowserContext;
let page: Page;
let profile: string;
let emojiDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
  await mkdir(RESULTS, { recursive: true });
  tree = await makeTree();
  emojiDir = join(tree.root, 'emoji');
  await makeEmojiFolder(emojiDir, 30);
  // Bundled inside apps/desktop so the workers resolve `sharp` and `@vlp/*` from this package's node_modules.
  const { rendererDir, workerUrl, trainWorkerUrl } = await bundle({
    outDir: join(RESULTS, 'e2e-build'),
    worker: true,
  });
  ({ server } = await startWebMode({
    dataDir: tree.dataDir,
    rendererDir,
    ...(workerUrl ? { workerUrl } : {}),
    ...(trainWorkerUrl ? { trainWorkerUrl } : {}),
  }));
  profile = await mkdtemp(join(tmpdir(), 'vlp-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  if (tree) await rm(tree.root, { recursive: true, force: true });
});

describe('web mode in Chromium', () => {
  it('shows the backend table with the WebGPU adapter or the reason there is none', async () => {
    await page.goto(server.url);
    const cpu = page.locator('#backend-table tr[data-backend="cpu"]');
    await cpu.waitFor();
    expect(await cpu.locator('td').nth(1).textContent()).toMatch(/^available/);
    expect(await page.locator('#backend-table tbody tr').count()).toBe(5);
    expect(await page.locator('#webgpu').textContent()).toMatch(/^(WebGPU adapter: .+|No WebGPU: .+)$/);
    // The token left the address bar; the page still works from sessionStorage.
    expect(new URL(page.url()).hash).toBe('');
    await page.screenshot({ path: join(RESULTS, 'backends.png'), fullPage: true });
  });

  it('refuses the page own API without the token', async () => {
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/foldersList', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return r.status;
    });
    expect(status).toBe(401);
  });

  it('adds a folder and shows counts and the skipped file with its reason', async () => {
    await page.locator('nav [data-screen="Corpus"]').click();
    await page.locator('#folder-path').fill(tree.allowed);
    await page.locator('#add-folder').click();
    const report = page.locator('[data-testid="corpus-report"]');
    await report.waitFor();
    expect(await report.locator('[data-count="images"]').textContent()).toBe('3');
    // The corrupt PNG, and the picture the `escape` symlink leads to outside the picked folder.
    expect(await report.locator('[data-count="skipped"]').textContent()).toBe('2');
    const skipped = report.locator('table.skipped tr');
    expect(await skipped.count()).toBe(2);
    const corrupt = skipped.filter({ hasText: 'corrupt.png' });
    expect(await corrupt.locator('.reason').textContent()).toBe('truncated');
    const outside = skipped.filter({ hasText: 'escape' });
    expect(await outside.locator('.reason').textContent()).toBe('outside-folders');
    expect(await report.locator('.samples img').count()).toBe(3);
    expect(await page.locator('#folders li code').textContent()).toBe(tree.allowed);
    await page.screenshot({ path: join(RESULTS, 'corpus.png'), fullPage: true });
  });

  it('runs the thumbnail job in a worker and shows its progress events', async () => {
    await page.locator(`[data-thumbnail-job="${tree.allowed}"]`).click();
    const done = page.locator('[data-job][data-state="done"]');
    await done.waitFor();
    expect(await done.locator('.job-state').textContent()).toMatch(/^done: 3 thumbnails, 1 failed, in /);
    expect(await done.locator('progress').getAttribute('value')).toBe('4');
    await page.screenshot({ path: join(RESULTS, 'job.png'), fullPage: true });
    // The README's picture is refreshed on request only, so a test run leaves the working tree clean.
    if (process.env.VLP_UPDATE_SCREENSHOTS === '1') {
      await mkdir(join(DOCS_SHOT, '..'), { recursive: true });
      await copyFile(join(RESULTS, 'job.png'), DOCS_SHOT);
    }
  });

  it('ingests an emoji folder with sidecar captions', async () => {
    await page.locator('#folder-path').fill(emojiDir);
    await page.locator('#corpus-kind').selectOption('sidecar');
    await page.locator('#add-folder').click();
    const report = page.locator('#report-emoji');
    await report.waitFor();
    expect(await report.locator('[data-count="pairs"]').textContent()).toBe('30');
    expect(await report.locator('[data-count="skipped"]').textContent()).toBe('0');
  });

  it('trains cavl-tiny in a worker: live loss and lr charts, pause, resume, checkpoints, preview', async () => {
    await page.locator('nav [data-screen="Train"]').click();
    expect(await page.locator('#train-webgpu').textContent()).toMatch(/^(WebGPU adapter: .+|No WebGPU: .+)$/);
    await page.locator('#train-corpus').selectOption('emoji');
    await page.locator('#train-method').selectOption('cavl');
    await page.locator('#train-size').selectOption('tiny');
    await page.locator('#train-steps').fill('40');
    await page.locator('#train-start').click();
    const points = () => page.locator('#chart-loss').getAttribute('data-points').then(Number);
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-loss')?.getAttribute('data-points')) >= 3,
    );
    await page.locator('#train-pause').click();
    await page.locator('[data-run][data-state="paused"]').waitFor();
    const atPause = await points();
    expect(atPause).toBeGreaterThanOrEqual(3);
    expect(atPause).toBeLessThan(40);
    // A pause writes a checkpoint, and no step arrives while paused.
    await page.locator('#train-checkpoints tr', { hasText: 'signal' }).first().waitFor();
    await page.waitForTimeout(500);
    expect(await points()).toBe(atPause);
    await page.locator('#train-resume').click();
    await page.locator('[data-run][data-state="done"]').waitFor({ timeout: 60_000 });
    // Every step reached both charts, in order: 40 points, finite losses, the lr schedule decayed.
    expect(await points()).toBe(40);
    expect(await page.locator('#chart-lr').getAttribute('data-points')).toBe('40');
    const lastLoss = Number(await page.locator('#chart-loss').getAttribute('data-last'));
    expect(Number.isFinite(lastLoss)).toBe(true);
    const lastLr = Number(await page.locator('#chart-lr').getAttribute('data-last'));
    expect(lastLr).toBeGreaterThan(0);
    expect(lastLr).toBeLessThan(2e-3);
    expect(await page.locator('#train-step').textContent()).toBe('step 40 / 40');
    expect(await page.locator('#train-checkpoints tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#train-checkpoints tr[data-checkpoint="40"]').count()).toBe(1);
    // The held-out preview: 6 pairs (every fifth of 30), each with a thumbnail and a predicted caption.
    await page.locator('#train-preview-accuracy[data-step="40"]').waitFor();
    expect(await page.locator('#train-preview figure').count()).toBe(6);
    expect(await page.locator('#train-preview figure img').count()).toBe(6);
    await page.screenshot({ path: join(RESULTS, 'train.png'), fullPage: true });
  });

  it('shows Label as a placeholder that says what it arrives with', async () => {
    await page.locator('nav [data-screen="Label"]').click();
    expect(await page.locator('[data-placeholder="Label"]').textContent()).toContain(
      'Arrives with labelling',
    );
  });
});
