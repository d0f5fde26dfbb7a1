// `vlp ablate` cheaply: the rows it registers (objectives off in turn, UNIMO-2 without unaligned data,
// SOHO's dictionary sizes, checked on the built models), the table it formats, and two real rows on a tiny
// corpus (4 steps each) whose table figures equal each row's own summary. About 30 s on 2 busy cores.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AblationRow, ablationVariants, runAblation } from '@vlp/cli';
import { createModel, getRecipe } from '@vlp/pretrain';
import { Rng, releaseBackends } from '@vlp/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';

describe('vlp ablate', () => {
  let out = '';
  afterAll(async () => {
    await releaseBackends();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('registers one row per recipe, per objective switched off, without unaligned data and per dictionary size', () => {
    const rows = ablationVariants();
    const names = rows.map((r) => r.name);
    for (const n of [
      'albef-tiny',
      'ablate-albef-tiny-no-itc',
      'ablate-albef-tiny-no-itm',
      'ablate-albef-tiny-no-mlm',
      'soho-tiny',
      'ablate-soho-tiny-no-mvm',
      'ablate-soho-tiny-vd256',
      'ablate-soho-tiny-vd1024',
      'ablate-soho-tiny-vd2048',
      'unimo2-tiny',
      'ablate-unimo2-tiny-aligned-only',
      'ablate-unimo2-tiny-no-vcl',
      'ablate-soho-tiny-no-itc',
      'pixelbert-tiny',
      'ablate-pixelbert-tiny-no-itc',
      'ablate-pixelbert-tiny-no-itm',
      'cavl-tiny',
      'ablate-cavl-tiny-no-itc',
      'ablate-cavl-tiny-no-pwcl',
    ])
      expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
    // CAVL trains PwCL with ITC (pwcl.ts says why): PwCL alone is the no-itc row
    expect(getRecipe('ablate-cavl-tiny-no-itc').objectives).toEqual({ itc: 0, pwcl: 1 });
    // SOHO and Pixel-BERT add ITC as an auxiliary objective (soho-tiny.json says why): the no-itc rows are the methods as published
    expect(getRecipe('ablate-soho-tiny-no-itc').objectives).toEqual({ itc: 0, itm: 1, mlm: 1, mvm: 1 });
    expect(getRecipe('ablate-pixelbert-tiny-no-itc').objectives).toEqual({ itc: 0, itm: 1, mlm: 1 });
    expect(getRecipe('ablate-albef-tiny-no-mlm').objectives).toEqual({ itc: 1, itm: 1, mlm: 0 });
    expect(getRecipe('ablate-unimo2-tiny-aligned-only').unaligned).toEqual({ images: false, texts: false });
    const model = createModel('ablate-soho-tiny-vd256', {}, new Rng(0), { vocabSize: 50, batchSize: 4 });
    expect(model.vd?.size).toBe(256);
    model.dispose();
  });

  it('runs rows under one budget and tabulates each row’s own figures', async () => {
    out = await mkdtemp(join(tmpdir(), 'vlp-ablate-'));
    const rows: AblationRow[] = await runAblation({
      out,
      steps: 4,
      batchSize: 8,
      subset: 2,
      only: ['cavl-tiny', 'ablate-albef-tiny-no-mlm'],
      backend: process.env.VLP_BACKEND ?? 'auto',
      log: () => {},
    });
    expect(rows.map((r) => r.variant.name)).toEqual(['ablate-albef-tiny-no-mlm', 'cavl-tiny']);
    const md = await readFile(join(out, 'ablation.md'), 'utf8');
    for (const r of rows) {
      const summary = JSON.parse(await readFile(join(out, r.variant.name, 'summary.json'), 'utf8'));
      expect(summary.metrics.imageToName.r1).toBe(r.metrics.imageToName.r1);
      expect(summary.settings.stepReached).toBe(4);
      // every row keeps the settings the committed table was made with, whatever the demo's defaults
      expect(summary.settings.classCaptions).toBe(false);
      expect(summary.settings.viewShift).toBe(0);
      expect(summary.settings.augmentation).toEqual({ minScale: 0.9, shift: 0, jitter: 0.2 });
      expect(r.metrics.category.via).toBe('prompts');
      expect(md).toContain(
        `| ${r.variant.base} | ${r.variant.change} | ${r.metrics.category.accuracy.toFixed(1)} | ${r.metrics.subcategory.accuracy.toFixed(1)} | ${r.metrics.imageToName.r1.toFixed(1)} |`,
      );
    }
    expect(existsSync(join(out, 'corpus', 'manifest.json'))).toBe(true);
    await expect(runAblation({ out, steps: 1, batchSize: 8, only: ['nope'] })).rejects.toThrow(
      /unknown ablation rows: nope/,
    );
    // albef-tiny's queue of 16 cannot hold whole batches of 32: refused before any corpus or training work.
    await expect(
      runAblation({ out: join(out, 'q'), steps: 1, batchSize: 32, only: ['albef-tiny'] }),
    ).rejects.toThrow(
      /row albef-tiny keeps a feature queue of 16, which must be a multiple of --batch-size \(got 32\)/,
    );
    expect(existsSync(join(out, 'q'))).toBe(false);
  }, 180_000);
});
