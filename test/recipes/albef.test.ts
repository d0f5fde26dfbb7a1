// ALBEF (Li et al., NeurIPS 2021) on the emoji mini-corpus: ITC with momentum distillation and queues, ITM
// with hard negatives, MLM through cross-attention fusion. A short real run must lower the training loss and
// lift in-batch image->text retrieval well above chance.
import { describe, expect, it } from 'vitest';
import { report, runRecipe } from './_run.js';

const STEPS = Number(process.env.VLP_RECIPE_STEPS ?? 300);

describe('albef-tiny on the emoji mini-corpus', () => {
  it('training loss falls and retrieval rises well above chance', async () => {
    const r = await runRecipe({
      recipe: 'albef-tiny',
      steps: STEPS,
      batchSize: 8,
      lr: 2e-3,
      pairs: 48,
      evalSize: 16,
    });
    const { start, end } = report('albef-tiny', r);
    expect(r.losses).toHaveLength(STEPS);
    // Weighted sum (itc + itm + 0.2 mlm); ITC's targets harden as alpha ramps and the queue fills, so the
    // total falls less than its parts: a 10% drop between 10-step windows is well outside step noise.
    expect(end).toBeLessThan(0.9 * start);
    expect(r.named.at(-1)?.mlm ?? 99).toBeLessThan(0.75 * (r.named[0]?.mlm ?? 0));
    // In-batch image->text retrieval over 16 training pairs: chance is 1/16.
    expect(r.accAfter).toBeGreaterThanOrEqual(4 * r.chance);
    expect(r.accAfter).toBeGreaterThan(r.accBefore + 0.15);
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
  });
});
