/**
 * The notes' 2-layer sigmoid network from docs/tape.md (same numbers, float64), shared by the
 * debugging views' tests; only tests import it.
 */
import { matmul, sigmoid, tensor, type Tensor } from '@tapegrad/core';

export interface NotesNet {
  X: Tensor; W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor;
  Z1: Tensor; A1: Tensor; Z2: Tensor; A2: Tensor; L: Tensor;
}

/** The network, its tensors named as the notes name them (parameters too, unless `nameParams` is false). */
export function notesNet(nameParams = true): NotesNet {
  const f64 = { dtype: 'float64' as const };
  const p = { ...f64, requiresGrad: true };
  const X = tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], f64);
  const W1 = tensor([[0.1, -0.4], [0.8, 0.3], [-0.5, 0.6]], p);
  const b1 = tensor([[0.05], [-0.1], [0.2]], p);
  const W2 = tensor([[0.7, -0.2, 0.4]], p);
  const b2 = tensor([[-0.3]], p);
  if (nameParams) {
    W1.named('W[1]');
    b1.named('b[1]');
    W2.named('W[2]');
    b2.named('b[2]');
  }
  const Z1 = matmul(W1, X).add(b1).named('Z[1]');
  const A1 = sigmoid(Z1).named('A[1]');
  const Z2 = matmul(W2, A1).add(b2).named('Z[2]');
  const A2 = sigmoid(Z2).named('A[2]');
  const L = A2.sum().named('L');
  return { X, W1, b1, W2, b2, Z1, A1, Z2, A2, L };
}
