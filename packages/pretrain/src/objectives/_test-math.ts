// Plain-JS reference math for the objective tests: dot products, log-softmax, cross-entropy. Test-only.
export type Mat = number[][];

export function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + x * (b[i] as number), 0);
}
export function norm(a: readonly number[]): number[] {
  const n = Math.sqrt(dot(a, a));
  return a.map((x) => x / n);
}
export function matmulT(a: Mat, b: Mat, scale = 1): Mat {
  return a.map((r) => b.map((c) => dot(r, c) * scale));
}
export function logSoftmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}
export function softmax(row: readonly number[]): number[] {
  return logSoftmax(row).map(Math.exp);
}
/** Mean over rows of -sum(target * logSoftmax(logits)). */
export function softCe(logits: Mat, targets: Mat): number {
  let s = 0;
  logits.forEach((r, i) => {
    const lp = logSoftmax(r);
    s -= dot(lp, targets[i] as number[]);
  });
  return s / logits.length;
}
export function oneHot(n: number, k: number, at: number): number[] {
  return Array.from({ length: k }, (_, j) => (j === at || (at < 0 && j === n) ? 1 : 0));
}
/** Mean over rows of -logSoftmax(row)[diag]. */
export function diagCe(logits: Mat): number {
  return softCe(
    logits,
    logits.map((r, i) => oneHot(i, r.length, i)),
  );
}
export function transpose(a: Mat): Mat {
  return (a[0] ?? []).map((_, j) => a.map((r) => r[j] as number));
}
