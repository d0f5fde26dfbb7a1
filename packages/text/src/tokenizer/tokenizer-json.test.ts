// tokenizer.json round trips, and parity with Hugging Face's tokenizers.js on the same file.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './tokenizer.js';
import { tokenizerFromJson, tokenizerToJson } from './tokenizer-json.js';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'a',
  'dog',
  'cafe',
  'un',
  '##aff',
  '##able',
  '.',
  ',',
  '!',
  "'",
  's',
  '你',
  '好',
  'play',
  '##ing',
  'the',
  '##s',
  'runs',
  'café',
  'Dog',
  'ball',
  'man',
  '##y',
  'c',
  '##a',
  '##f',
  '##e',
  'd',
  '##o',
  '##g',
  '-',
  '(',
  ')',
];

const SENTENCES = [
  'A dog runs.',
  'Unaffable! CAFÉ, café and cafe\u0301',
  "The dog's ball (many balls) -- playing",
  '你好, 好dog 你',
  'zebra unaffablex dogs plays',
  '\ta\u00a0dog\r\n  the [MASK] ball',
  'Dog—ball… emoji 🐶 and ünïcödé',
  '',
];

describe('tokenizer.json', () => {
  it('round-trips through JSON text with identical encodings', () => {
    const tok = new WordPieceTokenizer(VOCAB, { maxInputCharsPerWord: 20 });
    const text = JSON.stringify(tokenizerToJson(tok));
    const back = tokenizerFromJson(text);
    expect(back.vocab.tokens).toEqual(VOCAB);
    expect(back.model.maxInputCharsPerWord).toBe(20);
    expect(back.normalizer).toEqual(tok.normalizer);
    for (const s of SENTENCES) expect(back.encode(s).inputIds).toEqual(tok.encode(s).inputIds);
  });

  it('encodes exactly like tokenizers.js (Hugging Face) on the same tokenizer.json', () => {
    for (const normalizer of [{}, { lowercase: false }, { stripAccents: false }]) {
      const tok = new WordPieceTokenizer(VOCAB, { normalizer });
      const hf = new HfTokenizer(tokenizerToJson(tok), {});
      for (const s of SENTENCES) {
        expect(Array.from(tok.encode(s).inputIds), `${JSON.stringify(normalizer)} ${s}`).toEqual(
          hf.encode(s).ids,
        );
      }
      const pair = hf.encode('a dog', { text_pair: 'the ball', return_token_type_ids: true });
      const ours = tok.encode('a dog', { pair: 'the ball' });
      expect(Array.from(ours.inputIds)).toEqual(pair.ids);
      expect(Array.from(ours.tokenTypeIds)).toEqual(pair.token_type_ids);
    }
  });

  it('reads the older BertProcessing layout and a Sequence normalizer', () => {
    const tok = new WordPieceTokenizer(VOCAB);
    const json = tokenizerToJson(tok);
    const legacy = {
      ...json,
      normalizer: {
        type: 'Sequence',
        normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }],
      },
      post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    };
    const back = tokenizerFromJson(legacy);
    expect(back.normalizer).toEqual({
      cleanText: false,
      handleChineseChars: false,
      stripAccents: true,
      lowercase: true,
    });
    expect(Array.from(back.encode('CAFÉ dog').inputIds)).toEqual([2, 7, 6, 3]);
  });

  it('refuses components it would tokenise differently', () => {
    const json = tokenizerToJson(new WordPieceTokenizer(VOCAB));
    expect(() => tokenizerFromJson({ ...json, pre_tokenizer: { type: 'ByteLevel' } })).toThrow(/ByteLevel/);
    expect(() => tokenizerFromJson({ ...json, normalizer: { type: 'NFKC' } })).toThrow(/NFKC/);
    expect(() => tokenizerFromJson({ ...json, model: { ...json.model, type: 'BPE' } })).toThrow(/BPE/);
    expect(() => tokenizerFromJson({ model: {} })).toThrow();
  });
});
