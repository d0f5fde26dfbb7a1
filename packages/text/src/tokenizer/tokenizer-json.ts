// Reading and writing Hugging Face `tokenizer.json` files for BERT-style WordPiece tokenizers: model
// `WordPiece`, normalizer `BertNormalizer` (or a `Sequence` of NFD / Lowercase / StripAccents), pre-tokenizer
// `BertPreTokenizer`, post-processor `BertProcessing` or `TemplateProcessing`. Anything else is refused with
// the unsupported component named, rather than silently tokenising differently from Python.
import { z } from 'zod';
import type { BertNormalizerOptions } from './normalizer.js';
import { BERT_SPECIAL_TOKENS, type SpecialTokens } from './special-tokens.js';
import { WordPieceTokenizer, type WordPieceTokenizerOptions } from './tokenizer.js';
import { Vocabulary } from './vocab.js';

const NormalizerSchema: z.ZodType<{ type: string; [k: string]: unknown }> = z.looseObject({
  type: z.string(),
});

const TokenizerJsonSchema = z.looseObject({
  added_tokens: z
    .array(z.looseObject({ id: z.number().int(), content: z.string(), special: z.boolean().optional() }))
    .optional(),
  normalizer: NormalizerSchema.nullable().optional(),
  pre_tokenizer: z.looseObject({ type: z.string() }).nullable().optional(),
  post_processor: z.looseObject({ type: z.string() }).nullable().optional(),
  model: z.looseObject({
    type: z.string().optional(),
    unk_token: z.string().optional(),
    continuing_subword_prefix: z.string().optional(),
    max_input_chars_per_word: z.number().int().positive().optional(),
    vocab: z.record(z.string(), z.number().int()),
  }),
});

/** The parts of a Hugging Face `tokenizer.json` this package reads and writes. */
export type TokenizerJson = z.infer<typeof TokenizerJsonSchema>;

function readNormalizer(n: { type: string; [k: string]: unknown } | null | undefined): BertNormalizerOptions {
  if (n == null)
    return { cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false };
  if (n.type === 'BertNormalizer') {
    const strip = n.strip_accents;
    return {
      cleanText: n.clean_text !== false,
      handleChineseChars: n.handle_chinese_chars !== false,
      stripAccents: typeof strip === 'boolean' ? strip : null,
      lowercase: n.lowercase !== false,
    };
  }
  if (n.type === 'Sequence' && Array.isArray(n.normalizers)) {
    const parts = n.normalizers as { type?: unknown }[];
    const types = parts.map((p) => String(p.type));
    const ok = new Set(['NFD', 'Lowercase', 'StripAccents']);
    const bad = types.find((t) => !ok.has(t));
    if (bad !== undefined) throw new Error(`tokenizer.json: unsupported normalizer ${bad} in Sequence`);
    if (types.includes('StripAccents') && !types.includes('NFD')) {
      throw new Error('tokenizer.json: StripAccents without NFD is not supported');
    }
    return {
      cleanText: false,
      handleChineseChars: false,
      stripAccents: types.includes('StripAccents'),
      lowercase: types.includes('Lowercase'),
    };
  }
  throw new Error(`tokenizer.json: unsupported normalizer ${n.type} (expected BertNormalizer)`);
}

function specialsFrom(json: TokenizerJson): Partial<SpecialTokens> {
  // Special tokens are taken by their conventional BERT names when the file declares them; the unknown token
  // comes from the model section, which is authoritative.
  const declared = new Set((json.added_tokens ?? []).map((t) => t.content));
  const out: Partial<SpecialTokens> = {};
  if (json.model.unk_token !== undefined) out.unk = json.model.unk_token;
  for (const key of ['pad', 'cls', 'sep', 'mask'] as const) {
    const name = BERT_SPECIAL_TOKENS[key];
    if (declared.has(name)) out[key] = name;
  }
  return out;
}

/**
 * Builds a tokenizer from the text or parsed object of a Hugging Face `tokenizer.json` (e.g.
 * `bert-base-uncased`). `options` override what the file says (e.g. special token names).
 *
 * @example
 * const tok = tokenizerFromJson(readFileSync('tokenizer.json', 'utf8'));
 * tok.encode('Hello world!').inputIds; // [101, 7592, 2088, 999, 102] with bert-base-uncased
 */
export function tokenizerFromJson(
  json: string | object,
  options: WordPieceTokenizerOptions = {},
): WordPieceTokenizer {
  const parsed = TokenizerJsonSchema.parse(typeof json === 'string' ? JSON.parse(json) : json);
  if (parsed.model.type !== undefined && parsed.model.type !== 'WordPiece') {
    throw new Error(`tokenizer.json: model type ${parsed.model.type} is not WordPiece`);
  }
  const pre = parsed.pre_tokenizer;
  if (pre != null && pre.type !== 'BertPreTokenizer') {
    throw new Error(`tokenizer.json: unsupported pre_tokenizer ${pre.type} (expected BertPreTokenizer)`);
  }
  const post = parsed.post_processor;
  if (post != null && post.type !== 'BertProcessing' && post.type !== 'TemplateProcessing') {
    throw new Error(`tokenizer.json: unsupported post_processor ${post.type}`);
  }
  return new WordPieceTokenizer(Vocabulary.fromObject(parsed.model.vocab), {
    normalizer: readNormalizer(parsed.normalizer),
    continuingSubwordPrefix: parsed.model.continuing_subword_prefix ?? '##',
    maxInputCharsPerWord: parsed.model.max_input_chars_per_word ?? 100,
    ...options,
    specialTokens: { ...specialsFrom(parsed), ...options.specialTokens },
  });
}

/**
 * Serialises a tokenizer as a Hugging Face `tokenizer.json` object (`JSON.stringify` it to save). The result
 * loads in Python `tokenizers.Tokenizer.from_file` / `BertTokenizerFast` and in tokenizers.js.
 *
 * @example
 * writeFileSync('tokenizer.json', JSON.stringify(tokenizerToJson(tok), null, 2));
 */
export function tokenizerToJson(tok: WordPieceTokenizer): TokenizerJson {
  const s = tok.specialTokens;
  const ids = tok.specialIds;
  const order: (keyof SpecialTokens)[] = ['pad', 'unk', 'cls', 'sep', 'mask'];
  const added = order
    .map((k) => ({ id: ids[k], content: s[k] }))
    .sort((a, b) => a.id - b.id)
    .map(({ id, content }) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
  const n = tok.normalizer;
  const special = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: n.cleanText,
      handle_chinese_chars: n.handleChineseChars,
      strip_accents: n.stripAccents,
      lowercase: n.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(s.cls, 0), seq('A', 0), special(s.sep, 0)],
      pair: [special(s.cls, 0), seq('A', 0), special(s.sep, 0), seq('B', 1), special(s.sep, 1)],
      special_tokens: {
        [s.cls]: { id: s.cls, ids: [ids.cls], tokens: [s.cls] },
        [s.sep]: { id: s.sep, ids: [ids.sep], tokens: [s.sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: tok.model.continuingSubwordPrefix, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: s.unk,
      continuing_subword_prefix: tok.model.continuingSubwordPrefix,
      max_input_chars_per_word: tok.model.maxInputCharsPerWord,
      vocab: tok.vocab.toObject(),
    },
  };
}
