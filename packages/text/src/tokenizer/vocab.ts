// A WordPiece vocabulary: the bidirectional token <-> id map, read from and written to BERT's `vocab.txt`
// (one token per line, id = line number) or the `model.vocab` object of a Hugging Face `tokenizer.json`.

/**
 * An immutable token <-> id map with dense ids `0 .. size - 1`.
 *
 * @example
 * const vocab = Vocabulary.fromVocabTxt('[PAD]\n[UNK]\nthe\n##s\n');
 * vocab.id('the'); // 2
 * vocab.token(3); // '##s'
 */
export class Vocabulary {
  /** Tokens in id order. */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  /** Builds a vocabulary whose ids are the positions in `tokens`; duplicate tokens are an error. */
  constructor(tokens: Iterable<string>) {
    const list = Array.from(tokens);
    const ids = new Map<string, number>();
    list.forEach((t, i) => {
      if (ids.has(t))
        throw new Error(`Vocabulary: duplicate token ${JSON.stringify(t)} at ids ${ids.get(t)} and ${i}`);
      ids.set(t, i);
    });
    this.tokens = list;
    this.ids = ids;
  }

  /**
   * Parses BERT's `vocab.txt`: one token per line, the line number is the id. Trailing white space (and a final
   * empty line) are ignored, as in Hugging Face's loader.
   *
   * @example
   * Vocabulary.fromVocabTxt('[PAD]\r\n[UNK]\r\n').size; // 2
   */
  static fromVocabTxt(text: string): Vocabulary {
    const lines = text.split('\n').map((l) => l.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return new Vocabulary(lines);
  }

  /**
   * Builds a vocabulary from a `{token: id}` object (a `tokenizer.json` model's `vocab`). Ids must be exactly
   * `0 .. n - 1`.
   *
   * @example
   * Vocabulary.fromObject({ '[UNK]': 1, '[PAD]': 0 }).tokens; // ['[PAD]', '[UNK]']
   */
  static fromObject(map: Readonly<Record<string, number>>): Vocabulary {
    const entries = Object.entries(map);
    const tokens = new Array<string | undefined>(entries.length).fill(undefined);
    for (const [token, id] of entries) {
      if (!Number.isInteger(id) || id < 0 || id >= entries.length) {
        throw new Error(
          `Vocabulary: id ${id} of ${JSON.stringify(token)} is outside 0..${entries.length - 1}`,
        );
      }
      if (tokens[id] !== undefined) throw new Error(`Vocabulary: id ${id} is used twice`);
      tokens[id] = token;
    }
    return new Vocabulary(tokens as string[]);
  }

  /** Number of tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** Id of `token`, or undefined when it is not in the vocabulary. */
  id(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Token of `id`, or undefined when out of range. */
  token(id: number): string | undefined {
    return this.tokens[id];
  }

  /** True when `token` is in the vocabulary. */
  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** BERT's `vocab.txt` text (one token per line, final newline); tokens holding a line break cannot be saved. */
  toVocabTxt(): string {
    const bad = this.tokens.find((t) => /[\r\n]/.test(t));
    if (bad !== undefined)
      throw new Error(`Vocabulary: token ${JSON.stringify(bad)} cannot be written to vocab.txt`);
    return this.tokens.join('\n') + '\n';
  }

  /** The `{token: id}` object of a `tokenizer.json` model. */
  toObject(): Record<string, number> {
    const out: Record<string, number> = {};
    this.tokens.forEach((t, i) => {
      out[t] = i;
    });
    return out;
  }
}
