// Shared body of the recipe tests whose own retrieval is the ITM head (SOHO, Pixel-BERT): the recipe trains ITC
// as an auxiliary (see each test file's header for why and the figures), yet `model.retrievalScores` ranks by
// the ITM head; a short real run lowers the loss, takes ITM itself below ln 2 and lifts ITM retrieval over the
// 16 training pairs well above chance.
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@vlp/pretrain';
import { Rng } from '@vlp/tensor-core';
import { describe, expect, it } from 'vitest';
import { mean, report, runRecipe, useFastBackend } from './_run.js';

const STEPS = Number(process.env.VLP_RECIPE_STEPS ?? 250);
const SEED = Number(process.env.VLP_RECIPE_SEED ?? 0);

/**
 * The two tests of an ITM-scored recipe: retrieval goes through the ITM head, and a short run learns it.
 * `objectives` lists the loss names the run must log (sorted).
 */
export function describeItmRecipe(recipe: string, objectives: readonly string[]): void {
  describe(`${recipe} on the emoji mini-corpus`, () => {
    it('trains ITC yet retrieves by the ITM head', async () => {
      await useFastBackend();
      const model = createModel(recipe, {}, new Rng(0), { vocabSize: 50, batchSize: 2 }).eval();
      expect(model.recipe.objectives.itc).toBe(1);
      const size = model.towers.vision.config.imageSize;
      const [itm, got] = tf.tidy(() => {
        const pixels = tf.randomUniform([2, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D; // [2, S, S, 3]
        const ids = tf.tensor2d(
          [
            [2, 5, 6, 3],
            [2, 7, 3, 0],
          ],
          [2, 4],
          'int32',
        ); // [2, T]
        const mask = tf.tensor2d(
          [
            [1, 1, 1, 1],
            [1, 1, 1, 0],
          ],
          [2, 4],
          'int32',
        ); // [2, T]
        return [
          model.itmScore(pixels, ids, mask).arraySync(),
          model.retrievalScores(pixels, ids, mask).arraySync(),
        ]; // [2, 2] each
      });
      expect(got).toEqual(itm);
      model.dispose();
    });

    it('training loss falls and ITM retrieval rises well above chance', async () => {
      const r = await runRecipe({
        recipe,
        steps: STEPS,
        batchSize: 16,
        lr: 2e-3,
        pairs: 16,
        evalSize: 16,
        scorer: 'itm',
        seed: SEED,
      });
      const { start, end } = report(recipe, r);
      expect(r.losses).toHaveLength(STEPS);
      expect(Object.keys(r.named[0] ?? {}).sort()).toEqual([...objectives].sort());
      expect(end).toBeLessThan(0.8 * start);
      // ITM itself leaves ln 2 ~ 0.69 (random negatives at p = 0.5), not only the auxiliary ITC term.
      const itm = r.named.map((x) => x.itm ?? Number.NaN);
      console.log(
        `seed ${SEED}: ITM ${mean(itm.slice(0, 10)).toFixed(3)} -> ${mean(itm.slice(-10)).toFixed(3)}`,
      );
      expect(mean(itm.slice(-10))).toBeLessThan(0.55);
      expect(r.accAfter).toBeGreaterThanOrEqual(4 * r.chance);
      expect(r.accAfter).toBeGreaterThan(r.accBefore + 0.15);
      expect(r.tensorsAfter).toBe(r.tensorsBefore);
    });
  });
}
