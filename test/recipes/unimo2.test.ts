// UNIMO-2 (Li et al., ACL Findings 2022) on the emoji mini-corpus with unaligned data: ITC + ITM + MLM on
// pairs, MLM on texts alone, visual contrastive learning on images alone, and the grounded dictionary's
// grounding loss. A short real run must lower the training loss and lift in-batch image->text retrieval well
// above chance.
import { describe, expect, it } from 'vitest';
import { report, runRecipe } from './_run.js';

const STEPS = Number(process.env.VLP_RECIPE_STEPS ?? 200);

describe('unimo2-tiny on the emoji mini-corpus (pairs, images alone, texts alone)', () => {
  it('training loss falls and retrieval rises well above chance', async () => {
    const r = await runRecipe({
      recipe: 'unimo2-tiny',
      steps: STEPS,
      batchSize: 12,
      lr: 2e-3,
      pairs: 48,
      evalSize: 16,
      unaligned: 16,
      mix: { pairs: 8, images: 2, texts: 2 },
    });
    const { start, end } = report('unimo2-tiny', r);
    expect(r.losses).toHaveLength(STEPS);
    for (const k of ['itc', 'itm', 'mlm', 'mlm_text', 'vcl', 'grounding'])
      expect(Object.keys(r.named[0] ?? {})).toContain(k);
    expect(end).toBeLessThan(0.8 * start);
    expect(r.accAfter).toBeGreaterThanOrEqual(4 * r.chance);
    expect(r.accAfter).toBeGreaterThan(r.accBefore + 0.15);
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
  });
});
