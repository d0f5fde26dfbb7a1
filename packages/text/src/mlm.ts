// Masked language modelling inputs (BERT, Devlin et al. 2019; as used by ALBEF, SOHO, Pixel-BERT, UNIMO-2):
// each eligible token (not special, not padding) is chosen independently with probability p = 0.15, like
// ALBEF's `torch.bernoulli` and Hugging Face's DataCollatorForLanguageModeling (BERT's original code instead
// picked exactly round(0.15 n) per sequence). A chosen token becomes [MASK] with probability 0.8, a random
// non-special token with 0.1, and stays unchanged with 0.1; its label is the original id. Every other label is
// -100, the index losses ignore. Runs on the Int32Arrays of a batch encoding, before any tensor exists.

/** The random source masking needs; `Rng` from `@vlp/tensor-core` satisfies it. */
export interface MaskingRng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Options of {@link maskTokens}. */
export interface MaskTokensOptions {
  /** Vocabulary size; random replacements are drawn from `0 .. vocabSize - 1` minus the special ids. */
  vocabSize: number;
  /** Ids never chosen and never drawn as replacements ([PAD] [UNK] [CLS] [SEP] [MASK]). */
  specialIds: ArrayLike<number>;
  /** The [MASK] id. */
  maskId: number;
  /** Seeded random source (e.g. `new Rng(seed)` or `rng.fork('mlm')`). */
  rng: MaskingRng;
  /** Probability of choosing each eligible token. Default 0.15. */
  probability?: number;
  /** Of the chosen tokens: fraction replaced by [MASK] (default 0.8) and by a random token (default 0.1). */
  maskFraction?: number;
  randomFraction?: number;
  /** Positions where this is 0 (padding) are never chosen, whatever their id. */
  attentionMask?: ArrayLike<number>;
}

/** Masked ids and labels, same length as the input. */
export interface MaskedTokens {
  /** Input ids with the chosen positions replaced. */
  inputIds: Int32Array;
  /** Original id at chosen positions, -100 elsewhere. */
  labels: Int32Array;
}

/**
 * The label value cross-entropy ignores (PyTorch's and Hugging Face's convention).
 *
 * @example
 * labels.filter((l) => l !== IGNORE_INDEX).length; // number of predicted positions
 */
export const IGNORE_INDEX = -100;

/**
 * BERT's 80/10/10 masking of a flat batch of token ids (any shape: positions are independent).
 *
 * @example
 * const batch = tok.encodeBatch(captions, { maxLength: 32 });
 * const { inputIds, labels } = maskTokens(batch.inputIds, {
 *   vocabSize: tok.vocabSize,
 *   specialIds: tok.allSpecialIds,
 *   maskId: tok.specialIds.mask,
 *   attentionMask: batch.attentionMask,
 *   rng: new Rng(0).fork('mlm'),
 * });
 */
export function maskTokens(inputIds: ArrayLike<number>, options: MaskTokensOptions): MaskedTokens {
  const { vocabSize, maskId, rng, attentionMask } = options;
  const p = options.probability ?? 0.15;
  const pMask = options.maskFraction ?? 0.8;
  const pRandom = options.randomFraction ?? 0.1;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`maskTokens: probability ${p} is outside [0, 1]`);
  if (!(pMask >= 0 && pRandom >= 0 && pMask + pRandom <= 1)) {
    throw new RangeError(`maskTokens: maskFraction ${pMask} + randomFraction ${pRandom} must lie in [0, 1]`);
  }
  if (attentionMask !== undefined && attentionMask.length !== inputIds.length) {
    throw new Error(
      `maskTokens: attentionMask has ${attentionMask.length} entries, inputIds ${inputIds.length}`,
    );
  }
  const special = new Uint8Array(vocabSize);
  let nSpecial = 0;
  for (let i = 0; i < options.specialIds.length; i++) {
    const id = options.specialIds[i] as number;
    if (id >= 0 && id < vocabSize && special[id] === 0) {
      special[id] = 1;
      nSpecial++;
    }
  }
  if (nSpecial >= vocabSize && pRandom > 0) throw new Error('maskTokens: no non-special token to draw');

  const n = inputIds.length;
  const out = Int32Array.from(inputIds);
  const labels = new Int32Array(n).fill(IGNORE_INDEX);
  for (let i = 0; i < n; i++) {
    const id = out[i] as number;
    if (id < 0 || id >= vocabSize)
      throw new RangeError(`maskTokens: id ${id} at ${i} is outside the vocabulary`);
    if (special[id] === 1 || (attentionMask !== undefined && attentionMask[i] === 0)) continue;
    if (rng.uniform() >= p) continue;
    labels[i] = id;
    const r = rng.uniform();
    if (r < pMask) {
      out[i] = maskId;
    } else if (r < pMask + pRandom) {
      // Rejection sampling: specials are a handful of ids, so this loops ~1 time.
      let t = rng.int(vocabSize);
      while (special[t] === 1) t = rng.int(vocabSize);
      out[i] = t;
    }
  }
  return { inputIds: out, labels };
}
