// CLIP's byte-level BPE tokenizer (Radford et al. 2021; GPT-2's byte-to-unicode map, Sennrich et al. 2016
// merges with a `</w>` end-of-word suffix), for running a user's CLIP ONNX text encoder: text is cleaned
// (NFC, whitespace collapsed, lower-cased), split by CLIP's regex into contractions, letter runs, single
// digits and punctuation runs, each piece's UTF-8 bytes mapped to printable characters and merged by rank,
// then framed by <|startoftext|> ... <|endoftext|>. Reads a Hugging Face tokenizer.json (model.type "BPE")
// or the vocab.json + merges.txt pair. (ftfy's mojibake repair of the Python original is not reproduced.)
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { TextTokenizer } from './onnx-embedder.js';
import type { TokenBatch } from './onnx-tower.js';

const SOT = '<|startoftext|>';
const EOT = '<|endoftext|>';
const SUFFIX = '</w>';
/** CLIP's pre-tokenisation pattern (its special tokens are added around the text, never parsed from it). */
const PATTERN = /'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

/** GPT-2's reversible map from bytes to printable unicode characters. */
function _byteEncoder(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const map: string[] = new Array(256);
  for (const b of bs) map[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCodePoint(256 + n++);
  return map;
}

const BYTES = _byteEncoder();

const TokenizerJsonSchema = z.object({
  model: z.object({
    type: z.literal('BPE'),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
    end_of_word_suffix: z.string().nullish(),
  }),
  padding: z.object({ pad_id: z.number().int().nonnegative() }).nullish(),
});

/**
 * CLIP's BPE tokenizer as a {@link TextTokenizer} for `loadOnnxEmbedder(src, { tokenizer })`.
 *
 * @example
 * ```ts
 * const tok = await ClipTokenizer.fromFile('clip/tokenizer.json');
 * const enc = tok.encodeBatch(['a photo of a cat.'], { maxLength: 77, padding: 'max_length' });
 * ```
 */
export class ClipTokenizer implements TextTokenizer {
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();
  readonly sotId: number;
  readonly eotId: number;
  /** Id padding is filled with (the tokenizer.json's pad_id, else <|endoftext|> as Hugging Face's CLIP). */
  readonly padId: number;

  /**
   * @param vocab token -> id, including `<|startoftext|>` and `<|endoftext|>`.
   * @param merges in priority order, each "left right".
   */
  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    merges: readonly (string | readonly [string, string])[],
    options: { padId?: number } = {},
  ) {
    this.ranks = new Map(merges.map((m, i) => [typeof m === 'string' ? m : `${m[0]} ${m[1]}`, i]));
    const sot = vocab.get(SOT);
    const eot = vocab.get(EOT);
    if (sot === undefined || eot === undefined) throw new Error(`CLIP vocabulary lacks ${SOT} or ${EOT}`);
    this.sotId = sot;
    this.eotId = eot;
    this.padId = options.padId ?? eot;
  }

  /**
   * Reads a Hugging Face `tokenizer.json` (BPE model), or `vocab.json` with `merges.txt` beside it.
   *
   * @example
   * ```ts
   * const tok = await ClipTokenizer.fromFile('clip/vocab.json'); // reads clip/merges.txt too
   * ```
   */
  static async fromFile(path: string): Promise<ClipTokenizer> {
    try {
      return await ClipTokenizer._fromFile(path);
    } catch (err) {
      const msg = (err as Error).message;
      if (/^(cannot read|invalid) CLIP tokenizer '/.test(msg)) throw err;
      throw new Error(`invalid CLIP tokenizer '${path}': ${msg}`);
    }
  }

  private static async _fromFile(path: string): Promise<ClipTokenizer> {
    const read = async (p: string) => {
      try {
        return await readFile(p, 'utf8');
      } catch (err) {
        throw new Error(`cannot read CLIP tokenizer '${p}': ${(err as Error).message}`);
      }
    };
    const text = await read(path);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`invalid CLIP tokenizer '${path}': ${(err as Error).message}`);
    }
    if (path.endsWith('vocab.json')) {
      const mergesPath = `${path.slice(0, -'vocab.json'.length)}merges.txt`;
      const lines = (await read(mergesPath))
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('#version'));
      const vocab = z.record(z.string(), z.number().int()).safeParse(json);
      if (!vocab.success) throw new Error(`invalid CLIP tokenizer '${path}': not a token -> id object`);
      return new ClipTokenizer(new Map(Object.entries(vocab.data)), lines);
    }
    const r = TokenizerJsonSchema.safeParse(json);
    if (!r.success) {
      const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new Error(`invalid CLIP tokenizer '${path}': ${issues}`);
    }
    const suffix = r.data.model.end_of_word_suffix;
    if (suffix !== undefined && suffix !== null && suffix !== SUFFIX) {
      throw new Error(`invalid CLIP tokenizer '${path}': end_of_word_suffix ${suffix}, CLIP uses ${SUFFIX}`);
    }
    const padId = r.data.padding?.pad_id;
    return new ClipTokenizer(new Map(Object.entries(r.data.model.vocab)), r.data.model.merges, {
      ...(padId !== undefined ? { padId } : {}),
    });
  }

  /** BPE of one pre-tokenised piece (already byte-mapped): merged symbols, the last with `</w>`. */
  private bpe(piece: string): string[] {
    const chars = Array.from(piece);
    const word = chars.map((c, i) => (i === chars.length - 1 ? c + SUFFIX : c));
    for (;;) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < word.length; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) return word;
      const left = word[best] as string;
      const right = word[best + 1] as string;
      // Merge every occurrence of this pair, left to right (as the reference implementation does).
      const next: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          next.push(left + right);
          i++;
        } else next.push(word[i] as string);
      }
      word.splice(0, word.length, ...next);
    }
  }

  /**
   * Token ids of one text without the start / end tokens.
   *
   * @example
   * ```ts
   * tok.tokenize('A cat!'); // ids of 'a</w>', 'cat</w>', '!</w>'
   * ```
   */
  tokenize(text: string): number[] {
    const clean = text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
    const ids: number[] = [];
    const utf8 = new TextEncoder();
    for (const m of clean.matchAll(PATTERN)) {
      const piece = m[0];
      let cached = this.cache.get(piece);
      if (cached === undefined) {
        const mapped = Array.from(utf8.encode(piece), (b) => BYTES[b] as string).join('');
        cached = this.bpe(mapped).map((sym) => {
          const id = this.vocab.get(sym);
          if (id === undefined) throw new Error(`CLIP tokenizer: symbol '${sym}' is not in the vocabulary`);
          return id;
        });
        this.cache.set(piece, cached);
      }
      ids.push(...cached);
    }
    return ids;
  }

  /**
   * `<|startoftext|> ... <|endoftext|>` per text, truncated to `maxLength` (keeping the end token) and
   * padded with {@link ClipTokenizer.padId} to `maxLength` or to the longest text.
   *
   * @example
   * ```ts
   * const enc = tok.encodeBatch(['a dog', 'a cat'], { maxLength: 77, padding: 'max_length' }); // shape [2, 77]
   * ```
   */
  encodeBatch(
    texts: string[],
    options: { maxLength: number; padding: 'max_length' | 'longest' },
  ): TokenBatch {
    const { maxLength } = options;
    if (!(Number.isInteger(maxLength) && maxLength >= 2))
      throw new RangeError(`maxLength must be >= 2, got ${maxLength}`);
    const rows = texts.map((t) => [this.sotId, ...this.tokenize(t).slice(0, maxLength - 2), this.eotId]);
    const width = options.padding === 'max_length' ? maxLength : Math.max(0, ...rows.map((r) => r.length));
    const inputIds = new Int32Array(rows.length * width).fill(this.padId);
    const attentionMask = new Int32Array(rows.length * width);
    rows.forEach((r, i) => {
      inputIds.set(r, i * width);
      attentionMask.fill(1, i * width, i * width + r.length);
    });
    return { inputIds, attentionMask, shape: [rows.length, width] };
  }
}
