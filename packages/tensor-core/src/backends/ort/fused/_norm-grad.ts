// LayerNorm's backward graph nodes (BatchNorm has its own wide-rows graph, batch-norm.ts): with xc = x - mean and var over the normalised
// axes already in the graph, and dy, gamma, eps and lead (the axes summed for the parameter gradients) as
// inputs or constants:
//   rstd = 1 / sqrt(var + eps), xhat = xc rstd, g = dy gamma,
//   <dx> = rstd (g - mean(g) - xhat mean(g xhat)),  dgamma = sum(dy xhat),  dbeta = sum(dy).
import type { NodeSpec } from '../_onnx.js';

/**
 * Normalisation backward nodes; `reduce` holds the ReduceMean attributes of the normalised axes (kept as
 * size-1 dims) and `dx` names the input-gradient output.
 */
export function normGradNodes(reduce: NonNullable<NodeSpec['attrs']>, dx: string): NodeSpec[] {
  return [
    { op: 'Add', inputs: ['var', 'eps'], outputs: ['vareps'] },
    { op: 'Sqrt', inputs: ['vareps'], outputs: ['std'] },
    { op: 'Reciprocal', inputs: ['std'], outputs: ['rstd'] },
    { op: 'Mul', inputs: ['xc', 'rstd'], outputs: ['xhat'] },
    { op: 'Mul', inputs: ['dy', 'gamma'], outputs: ['g'] },
    { op: 'ReduceMean', inputs: ['g'], outputs: ['gmean'], attrs: reduce },
    { op: 'Mul', inputs: ['g', 'xhat'], outputs: ['gx'] },
    { op: 'ReduceMean', inputs: ['gx'], outputs: ['gxmean'], attrs: reduce },
    { op: 'Mul', inputs: ['xhat', 'gxmean'], outputs: ['t1'] },
    { op: 'Sub', inputs: ['g', 'gmean'], outputs: ['t2'] },
    { op: 'Sub', inputs: ['t2', 't1'], outputs: ['t3'] },
    { op: 'Mul', inputs: ['t3', 'rstd'], outputs: [dx] },
    { op: 'Mul', inputs: ['dy', 'xhat'], outputs: ['dyx'] },
    { op: 'ReduceSum', inputs: ['dyx', 'lead'], outputs: ['dgamma'], attrs: { keepdims: { i: 0 } } },
    { op: 'ReduceSum', inputs: ['dy', 'lead'], outputs: ['dbeta'], attrs: { keepdims: { i: 0 } } },
  ];
}
