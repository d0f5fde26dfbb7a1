// Truncation of one sequence or a pair to a token budget, with Hugging Face's `longest_first` rule for pairs.

/**
 * Lengths `[nA, nB]` after truncating a pair to `budget` tokens (specials excluded), as Hugging Face's
 * `TruncationStrategy::LongestFirst`: the shorter sequence is kept whole when it fits in half the budget,
 * otherwise both get half (the longer one, or the second on a tie, gets the odd token).
 */
export function _truncatePair(nA: number, nB: number, budget: number): [number, number] {
  if (nA + nB <= budget) return [nA, nB];
  let n1 = nA;
  let n2 = nB;
  const swap = n1 > n2;
  if (swap) [n1, n2] = [n2, n1];
  n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = Math.floor(budget / 2);
    n2 = n1 + (budget % 2);
  }
  return swap ? [n2, n1] : [n1, n2];
}

/** A growable Int32Array used as scratch space by batch encoding. */
export class _IdBuffer {
  data = new Int32Array(1024);
  length = 0;

  push(id: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = id;
  }

  pushAll(ids: readonly number[]): void {
    const n = ids.length;
    if (this.length + n > this.data.length) {
      const next = new Int32Array(Math.max(this.data.length * 2, this.length + n));
      next.set(this.data);
      this.data = next;
    }
    for (let i = 0; i < n; i++) this.data[this.length + i] = ids[i] as number;
    this.length += n;
  }

  clear(): void {
    this.length = 0;
  }
}
