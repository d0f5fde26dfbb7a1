// A binary max-heap of (count, pair key) used by the WordPiece trainer. Ties go to the smaller key, so the
// merge order (and the vocabulary) is deterministic. Entries may be stale; the trainer re-checks on pop.

/** Max-heap over `count`, then min over `key`. */
export class _PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    const c = this.counts;
    const k = this.keys;
    let i = c.length;
    c.push(count);
    k.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(count, key, c[p] as number, k[p] as number)) break;
      c[i] = c[p] as number;
      k[i] = k[p] as number;
      i = p;
    }
    c[i] = count;
    k[i] = key;
  }

  pop(): { count: number; key: number } {
    const c = this.counts;
    const k = this.keys;
    const top = { count: c[0] as number, key: k[0] as number };
    const lastC = c.pop() as number;
    const lastK = k.pop() as number;
    const n = c.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && this.above(c[r] as number, k[r] as number, c[l] as number, k[l] as number) ? r : l;
        if (!this.above(c[m] as number, k[m] as number, lastC, lastK)) break;
        c[i] = c[m] as number;
        k[i] = k[m] as number;
        i = m;
      }
      c[i] = lastC;
      k[i] = lastK;
    }
    return top;
  }

  private above(c1: number, k1: number, c2: number, k2: number): boolean {
    return c1 > c2 || (c1 === c2 && k1 < k2);
  }
}
