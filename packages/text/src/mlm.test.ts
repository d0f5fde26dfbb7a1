// MLM masking statistics over ~100k tokens: the choice rate against a binomial bound, the 80/10/10 split
// against a chi-square bound, uniform random replacements, and specials / padding never touched.
import { Rng } from '@vlp/tensor-core';
import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX, maskTokens } from './mlm.js';

const V = 1000;
const SPECIAL = [0, 1, 2, 3, 4]; // [PAD] [UNK] [CLS] [SEP] [MASK]
const [PAD, UNK, CLS, SEP, MASK] = SPECIAL as [number, number, number, number, number];

/** B rows of length T: [CLS] words [SEP] [PAD]..., words uniform over the non-special ids, some [UNK]. */
function makeBatch(B: number, T: number, rng: Rng) {
  const ids = new Int32Array(B * T).fill(PAD);
  const attention = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const len = 6 + rng.int(T - 6);
    ids[b * T] = CLS;
    for (let t = 1; t < len - 1; t++) ids[b * T + t] = rng.uniform() < 0.02 ? UNK : 5 + rng.int(V - 5);
    ids[b * T + len - 1] = SEP;
    attention.fill(1, b * T, b * T + len);
  }
  return { ids, attention };
}

describe('maskTokens', () => {
  const { ids, attention } = makeBatch(6000, 32, new Rng(7));
  const opts = { vocabSize: V, specialIds: SPECIAL, maskId: MASK, attentionMask: attention };
  const { inputIds, labels } = maskTokens(ids, { ...opts, rng: new Rng(1).fork('mlm') });

  it('never chooses special or padding tokens, and labels exactly the chosen ones', () => {
    let touchedSpecial = 0;
    let changedUnlabelled = 0;
    let wrongLabel = 0;
    let specialSeen = 0;
    for (let i = 0; i < ids.length; i++) {
      const original = ids[i] as number;
      const label = labels[i] as number;
      if (SPECIAL.includes(original) || attention[i] === 0) {
        specialSeen++;
        if (label !== IGNORE_INDEX || inputIds[i] !== original) touchedSpecial++;
      } else if (label === IGNORE_INDEX) {
        if (inputIds[i] !== original) changedUnlabelled++;
      } else if (label !== original) {
        wrongLabel++;
      }
    }
    expect(specialSeen).toBeGreaterThan(50_000);
    expect({ touchedSpecial, changedUnlabelled, wrongLabel }).toEqual({
      touchedSpecial: 0,
      changedUnlabelled: 0,
      wrongLabel: 0,
    });
  });

  it('chooses 15% of eligible tokens, split 80 / 10 / 10, within sampling error', () => {
    let eligible = 0;
    const counts = { mask: 0, random: 0, same: 0 };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (SPECIAL.includes(id) || attention[i] === 0) continue;
      eligible++;
      if (labels[i] === IGNORE_INDEX) continue;
      if (inputIds[i] === MASK) counts.mask++;
      else if (inputIds[i] === id) counts.same++;
      else counts.random++;
    }
    const chosen = counts.mask + counts.random + counts.same;
    // Binomial bound: |chosen - 0.15 N| < 4.5 standard deviations (two-sided p ~ 7e-6).
    const sd = Math.sqrt(eligible * 0.15 * 0.85);
    const z = (chosen - 0.15 * eligible) / sd;
    // A random draw equals the original with probability 1/995, which moves it to 'same'.
    const q = 1 / (V - SPECIAL.length);
    const expected = { mask: 0.8, random: 0.1 * (1 - q), same: 0.1 + 0.1 * q };
    let chi2 = 0;
    for (const k of ['mask', 'random', 'same'] as const)
      chi2 += (counts[k] - chosen * expected[k]) ** 2 / (chosen * expected[k]);
    console.log(
      `MLM: ${eligible} eligible tokens, chosen ${((100 * chosen) / eligible).toFixed(2)}% (z = ${z.toFixed(2)}); ` +
        `mask ${((100 * counts.mask) / chosen).toFixed(2)}% random ${((100 * counts.random) / chosen).toFixed(2)}% ` +
        `unchanged ${((100 * counts.same) / chosen).toFixed(2)}% (chi-square ${chi2.toFixed(2)}, 2 dof)`,
    );
    expect(eligible).toBeGreaterThan(90_000);
    expect(Math.abs(z)).toBeLessThan(4.5);
    expect(chi2).toBeLessThan(18.4); // chi-square 2 dof, p = 1e-4
  });

  it('draws random replacements uniformly from the non-special ids', () => {
    const bins = new Array<number>(10).fill(0);
    let n = 0;
    let specialDrawn = 0;
    for (let i = 0; i < ids.length; i++) {
      const out = inputIds[i] as number;
      if (labels[i] === IGNORE_INDEX || out === MASK || out === ids[i]) continue;
      if (SPECIAL.includes(out)) specialDrawn++;
      bins[Math.floor(((out - 5) / (V - 5)) * 10)]! += 1;
      n++;
    }
    // 995 ids in 10 bins of 99-100 ids: equal expectation up to 1%; chi-square 9 dof, p = 1e-4 -> 33.7.
    const chi2 = bins.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    expect(specialDrawn).toBe(0);
    expect(n).toBeGreaterThan(1000);
    expect(chi2).toBeLessThan(33.7);
  });

  it('is reproducible from the seed and varies with it', () => {
    const again = maskTokens(ids, { ...opts, rng: new Rng(1).fork('mlm') });
    expect(again.inputIds).toEqual(inputIds);
    expect(again.labels).toEqual(labels);
    const other = maskTokens(ids, { ...opts, rng: new Rng(2).fork('mlm') });
    expect(other.labels).not.toEqual(labels);
  });

  it('honours probability 0 and 1, and checks its arguments', () => {
    const small = Int32Array.from([CLS, 10, 11, 12, SEP, PAD]);
    const none = maskTokens(small, { ...opts, attentionMask: undefined, probability: 0, rng: new Rng(0) });
    expect(Array.from(none.labels)).toEqual([-100, -100, -100, -100, -100, -100]);
    const all = maskTokens(small, {
      ...opts,
      attentionMask: undefined,
      probability: 1,
      maskFraction: 1,
      randomFraction: 0,
      rng: new Rng(0),
    });
    expect(Array.from(all.inputIds)).toEqual([CLS, MASK, MASK, MASK, SEP, PAD]);
    expect(Array.from(all.labels)).toEqual([-100, 10, 11, 12, -100, -100]);
    expect(() =>
      maskTokens(small, { ...opts, attentionMask: undefined, probability: 2, rng: new Rng(0) }),
    ).toThrow();
    expect(() => maskTokens([V], { ...opts, attentionMask: undefined, rng: new Rng(0) })).toThrow(/outside/);
  });
});
