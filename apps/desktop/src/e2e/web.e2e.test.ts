// End-to-end: Debian's Chromium (driven by playwright-core) against web mode with real services: the real
// tensor-core backend report, @vlp/pretrain's ingest on a folder of real PNGs plus a corrupt one, and the
// thumbnail job in a worker thread with progress over SSE; a short albef-tiny training run in a worker with
// live charts; labelling a folder with the model it trained, a correction, CSV export and copy into
// folders; ONNX export and import. Screenshots go to apps/desktop/test-results/ (and, with
// VLP_UPDATE_SCREENSHOTS=1, to docs/screenshots/).
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
const DOCS = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));

/**
 * Saves a screenshot to test-results/ and, with VLP_UPDATE_SCREENSHOTS=1 only (so a test run leaves the
 * working tree clean), copies it to docs/screenshots/desktop-<name>.png for the READMEs.
 */
async function shoot(name: string, options: { fullPage?: boolean } = { fullPage: true }): Promise<void> {
  const file = join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file, ...options });
  if (process.env.VLP_UPDATE_SCREENSHOTS === '1') {
    await mkdir(DOCS, { recursive: true });
    await copyFile(file, join(DOCS, `desktop-${name}.png`));
  }
}

let tree: Tree;
let server: WebServer;
let context: BrowserContext;
let page: Page;
let profile: string;
let emojiDir: string;
let labelDir: string;
/** The label each image of `labelDir` should get, by file name. */
let truth: Map<string, string>;
let sortedDir: string;
let exportDir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
  await mkdir(RESULTS, { recursive: true });
  tree = await makeTree();
  emojiDir = join(tree.root, 'emoji');
  await makeEmojiFolder(emojiDir, 30);
  // A folder to label: 9 other emoji without captions, plus a labels file; and a destination to sort into.
  labelDir = join(tree.root, 'tolabel');
  const LABELS: Record<string, string> = {
    'Food & Drink': 'food',
    'Animals & Nature': 'animal',
    'Smileys & Emotion': 'face',
  };
  const made = await makeEmojiFolder(labelDir, 9, Object.keys(LABELS), false);
  truth = new Map([...made].map(([file, e]) => [file, LABELS[e.category] as string]));
  await writeFile(join(labelDir, 'labels.txt'), '# one label a line\nfood\nanimal\nface\n');
  sortedDir = join(tree.root, 'sorted');
  await mkdir(sortedDir);
  exportDir = join(tree.root, 'exported');
  await mkdir(exportDir);
  // Bundled inside apps/desktop so the workers resolve `sharp` and `@vlp/*` from this package's node_modules.
  const { rendererDir, workerUrl, trainWorkerUrl, tasksWorkerUrl } = await bundle({
    outDir: join(RESULTS, 'e2e-build'),
    worker: true,
  });
  ({ server } = await startWebMode({
    dataDir: tree.dataDir,
    rendererDir,
    ...(workerUrl ? { workerUrl } : {}),
    ...(trainWorkerUrl ? { trainWorkerUrl } : {}),
    ...(tasksWorkerUrl ? { tasksWorkerUrl } : {}),
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
    await page.screenshot({ path: join(RESULTS, 'corpus-added.png'), fullPage: true });
  });

  it('runs the thumbnail job in a worker and shows its progress events', async () => {
    await page.locator(`[data-thumbnail-job="${tree.allowed}"]`).click();
    const done = page.locator('[data-job][data-state="done"]');
    await done.waitFor();
    expect(await done.locator('.job-state').textContent()).toMatch(/^done: 3 thumbnails, 1 failed, in /);
    expect(await done.locator('progress').getAttribute('value')).toBe('4');
    await shoot('corpus');
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

  it('trains albef-tiny in a worker: live loss and lr charts, pause, resume, checkpoints, preview', async () => {
    await page.locator('nav [data-screen="Train"]').click();
    expect(await page.locator('#train-webgpu').textContent()).toMatch(/^(WebGPU adapter: .+|No WebGPU: .+)$/);
    await page.locator('#train-corpus').selectOption('emoji');
    await page.locator('#train-method').selectOption('albef');
    await page.locator('#train-size').selectOption('tiny');
    await page.locator('#train-steps').fill('40');
    await page.locator('#train-start').click();
    const points = () => page.locator('#chart-loss').getAttribute('data-points').then(Number);
    // Pause as soon as the run is running: the trainer finishes the step it is in, so this holds however
    // fast the machine is (waiting for N points first could race a fast run to its end).
    await page.locator('#train-pause:not([disabled])').waitFor();
    await page.locator('#train-pause').click();
    await page.locator('[data-run][data-state="paused"]').waitFor();
    const atPause = await points();
    expect(atPause).toBeGreaterThanOrEqual(1);
    expect(atPause).toBeLessThan(40);
    // Every step before the pause reached the chart before the paused state did (one ordered stream), and
    // the pause wrote a checkpoint. (That no step runs while paused is training.test.ts's check.)
    expect(await page.locator('#train-step').textContent()).toBe(`step ${atPause} / 40`);
    await page.locator('#train-checkpoints tr', { hasText: 'signal' }).first().waitFor();
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
    await shoot('train');
  });

  it('labels a folder with the trained model, corrects one label, exports CSV, copies after confirming', async () => {
    await page.locator('nav [data-screen="Label"]').click();
    const model = page.locator('#label-model');
    await model.locator('option').nth(1).waitFor({ state: 'attached' });
    // The newest trained model is preselected: the albef-tiny run the previous test trained.
    expect(await model.locator('option:checked').textContent()).toMatch(/^albef-tiny \(.+\) \[trained\]$/);
    await page.locator('#label-folder').fill(labelDir);
    await page.locator('#label-labels-file').fill(join(labelDir, 'labels.txt'));
    await page.locator('#label-threshold').fill('0');
    await page.locator('#label-start').click();
    await page.locator('[data-label-run][data-state="done"]').waitFor({ timeout: 60_000 });
    await page.locator('#label-summary').waitFor();
    const figures = page.locator('#label-results figure');
    expect(await figures.count()).toBe(9);
    // Groups partition the 9 images; every label is one of the file's three (threshold 0: no 'unknown').
    const groups = await page
      .locator('#label-results [data-group]')
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-group'), Number(e.getAttribute('data-count'))]),
      );
    expect(groups.reduce((n, [, c]) => n + (c as number), 0)).toBe(9);
    for (const [label] of groups) expect(['food', 'animal', 'face']).toContain(label);
    const scoreOf = new Map(
      await figures.evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-path'), e.getAttribute('data-score')]),
      ),
    );
    const scores = [...scoreOf.values()].map(Number);
    for (const score of scores) expect(score >= 0 && score <= 1).toBe(true);
    await page.waitForFunction(
      () => document.querySelectorAll('#label-results figure img[src^="data:"]').length === 9,
    );

    // Correct by hand the first image the (briefly trained) model got wrong.
    const predicted = await figures.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-path') as string, e.getAttribute('data-label') as string]),
    );
    const wrong = predicted.find(([file, label]) => truth.get(file as string) !== label) ?? predicted[0];
    const path = wrong?.[0] as string;
    const after =
      truth.get(path) === wrong?.[1]
        ? wrong?.[1] === 'food'
          ? 'face'
          : 'food'
        : (truth.get(path) as string);
    await page.locator(`#label-results figure[data-path="${path}"] select.correct`).selectOption(after);
    const corrected = page.locator(`#label-results figure.corrected[data-path="${path}"]`);
    await corrected.waitFor();
    expect(await corrected.getAttribute('data-label')).toBe(after);
    await shoot('label');

    // Leaving the screen and coming back shows the same run and its results, the correction included.
    await page.locator('nav [data-screen="Models"]').click();
    await page.locator('nav [data-screen="Label"]').click();
    await corrected.waitFor();
    expect(await page.locator('#label-results figure').count()).toBe(9);

    // Two corrections sent at once (a quick user, two tabs) both stay: each is a read-modify-write of the
    // run's output, and they run one at a time. Each keeps its picture's label, so the checks below hold.
    const others = predicted.filter(([file]) => file !== path).slice(0, 2);
    const answers = await page.evaluate(async (rows) => {
      const call = async (name: string, body: unknown) => {
        const r = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-vlp-token': sessionStorage.getItem('vlp-token') ?? '',
          },
          body: JSON.stringify(body),
        });
        return (await r.json()) as { ok: boolean; result: unknown };
      };
      const runs = (await call('labelList', {})).result as { id: string }[];
      const id = runs.at(-1)?.id as string;
      await Promise.all(rows.map(([p, label]) => call('labelCorrect', { id, path: p, label })));
      return (await call('labelResults', { id })).result as { rows: { path: string; reason?: string }[] };
    }, others);
    for (const [file] of others)
      expect(answers.rows.find((r) => r.path === file)?.reason, file).toBe('corrected by hand');

    // Export CSV into the labelled folder and read the file back.
    await page.locator('#label-export-format').selectOption('csv');
    await page.locator('#label-export-path').fill(join(labelDir, 'labels.csv'));
    await page.locator('#label-export').click();
    await page.locator('#label-status[data-exported]').waitFor();
    const csv = (await readFile(join(labelDir, 'labels.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('path,status,label,score,labels,scores,reason');
    expect(csv).toHaveLength(10);
    const row = csv.find((l) => l.startsWith(`${path},`)) as string;
    expect(row.split(',').slice(1, 3)).toEqual(['ok', after]);
    expect(row.endsWith(',corrected by hand')).toBe(true);
    for (const line of csv.slice(1)) expect(line.split(',')[1]).toBe('ok');
    // JSONL: the screen switches the extension with the format; scores are kept at full precision.
    await page.locator('#label-export-format').selectOption('jsonl');
    await page.locator('#label-export').click();
    await page.locator(`#label-status[data-exported="${join(labelDir, 'labels.jsonl')}"]`).waitFor();
    const jsonl = (await readFile(join(labelDir, 'labels.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; label: string; labels: string[]; scores: number[] });
    expect(jsonl).toHaveLength(9);
    expect(jsonl.find((r) => r.path === path)?.label).toBe(after);
    for (const r of jsonl) expect(r.scores[0]).toBeCloseTo(Number(scoreOf.get(r.path)), 10);

    // Copy into folders: nothing happens when the dialog is cancelled, then it copies all 9 on confirm.
    await page.locator('#label-organise-mode').selectOption('copy');
    await page.locator('#label-organise-dest').fill(sortedDir);
    await page.locator('#label-organise').click();
    await page.locator('#confirm-dialog').waitFor();
    expect(await page.locator('#confirm-dialog').textContent()).toContain(`Copy 9 images from ${labelDir}`);
    await shoot('label-confirm', {});
    await page.locator('#confirm-no').click();
    await page.locator('#label-status', { hasText: 'Copy cancelled.' }).waitFor();
    expect(await readdir(sortedDir)).toEqual([]);
    await page.locator('#label-organise').click();
    await page.locator('#confirm-yes').click();
    await page.locator('#label-status[data-organised="9"]').waitFor();
    const copied = await readdir(sortedDir, { recursive: true });
    expect(copied.filter((f) => f.endsWith('.png'))).toHaveLength(9);
    expect(copied).toContain(join(after, path));
    expect((await readdir(labelDir)).filter((f) => f.endsWith('.png'))).toHaveLength(9);
  });

  it('lists models, exports the trained one to ONNX, imports the pair back and labels with it', async () => {
    await page.locator('nav [data-screen="Models"]').click();
    const trained = page.locator('#models-table tr[data-kind="trained"]');
    await trained.waitFor();
    expect(await trained.count()).toBe(1);
    expect(await page.locator('#models-table tr[data-kind="baseline"]').count()).toBe(1);
    await page.locator('#models-export-dest').fill(exportDir);
    await trained.locator('button[data-export]').click();
    await page.locator('#models-status[data-exported]').waitFor({ timeout: 60_000 });
    const [out] = await readdir(exportDir);
    const files = (await readdir(join(exportDir, out as string))).sort();
    expect(files).toEqual(['image.json', 'image.onnx', 'text.json', 'text.onnx', 'tokenizer.json']);
    await page.locator('#models-import-name').fill('albef-onnx');
    await page.locator('#models-import-image').fill(join(exportDir, out as string, 'image.onnx'));
    await page.locator('#models-import-text').fill(join(exportDir, out as string, 'text.onnx'));
    await page.locator('#models-import').click();
    await page.locator('#models-status[data-imported]').waitFor();
    const onnx = page.locator('#models-table tr[data-kind="onnx"]');
    await onnx.waitFor();
    expect(await onnx.locator('td').first().textContent()).toBe('albef-onnx');
    expect(await trained.locator('td').nth(2).textContent()).toMatch(/ on emoji, vocabulary \d+/);
    await shoot('models');
    // The imported pair labels too (onnxruntime-node in the worker): same folder, same labels file.
    const id = (await page.locator('#models-status').getAttribute('data-imported')) ?? '';
    await page.locator('nav [data-screen="Label"]').click();
    await page.locator(`#label-model option[value="${id}"]`).waitFor({ state: 'attached' });
    await page.locator('#label-model').selectOption(id);
    await page.locator('#label-folder').fill(labelDir);
    // Labels typed this time, with a repeat and blanks the screen drops.
    await page.locator('#label-labels').fill('food, animal,\nface, food, ');
    await page.locator('#label-labels-file').fill('');
    await page.locator('#label-start').click();
    await page.locator('[data-label-run][data-state="done"]').waitFor({ timeout: 60_000 });
    // The results arrive after the run's state: wait for this run's summary, not an empty first render.
    await page.locator('#label-summary', { hasText: /^9 labelled/ }).waitFor();
    expect(await page.locator('#label-results figure').count()).toBe(9);
    expect(await page.locator('[data-label-run] strong').textContent()).toBe('albef-onnx: 3 labels');
  });
});
