/**
 * The VJP each op's rule applies, as one line of maths for `explain`: the notes' letters for the ops
 * the notes use (matmul, the broadcast add, sigmoid), x → y otherwise. It restates the rules in the op
 * files (packages/core/src/ops/*.ts) for reading; it computes nothing. An op missing here (a custom
 * op, a rarely used primitive) reads `VJP of <op>`.
 */
import { fmtShape } from '../errors.js';
import { sameShape } from '../shape.js';
import type { Node } from '../tape.js';

/** One formula per input index; `identity` marks a rule that passes dy on unchanged (folded away). */
interface Formula {
  readonly text: string;
  readonly identity?: boolean;
}

type Rule = (i: number, node: Node) => Formula;

const per = (...texts: string[]): Rule => (i) => ({ text: texts[i] ?? texts[0] });
const pass = (text: string): Rule => () => ({ text, identity: true });

/** A binary elementwise op's rule, with the sweep's sum-to-shape when input i was broadcast. */
const elementwise = (da: string, db: string): Rule => (i, node) => {
  const x = node.inputs[i];
  const y = node.output;
  const text = i === 0 ? da : db;
  if (sameShape(x.shape, y.shape)) return { text, identity: text === 'da = dy' || text === 'db = dy' };
  // The notes' bias: b is [n, 1], broadcast over the m columns of Z; the sweep sums them back.
  if (x.ndim === 2 && y.ndim === 2 && x.shape[0] === y.shape[0] && x.shape[1] === 1 && (text === 'da = dy' || text === 'db = dy')) {
    return { text: `${text[0]}b = Σ_columns dZ` };
  }
  return { text: `${text}, summed to ${fmtShape(x.shape)}` };
};

const NONE: Rule = () => ({ text: 'none flows: piecewise constant' });

const RULES: Record<string, Rule> = {
  eq: NONE, ne: NONE, lt: NONE, le: NONE, gt: NONE, ge: NONE, sign: NONE, floor: NONE, ceil: NONE, round: NONE,
  add: elementwise('da = dy', 'db = dy'),
  sub: elementwise('da = dy', 'db = −dy'),
  mul: elementwise('da = dy ⊙ b', 'db = dy ⊙ a'),
  div: elementwise('da = dy / b', 'db = −dy ⊙ y / b'),
  pow: elementwise('da = dy ⊙ b·a^(b−1)', 'db = dy ⊙ y·ln a'),
  maximum: elementwise('da = dy ⊙ [a > b]', 'db = dy ⊙ [b > a]'),
  minimum: elementwise('da = dy ⊙ [a < b]', 'db = dy ⊙ [b < a]'),
  matmul: (i, node) => {
    const { transA, transB } = node.attrs as { transA?: boolean; transB?: boolean };
    if (transA || transB) return { text: 'VJP of matmul' };
    return { text: i === 0 ? 'dW = dZ·A_prevᵀ' : 'dA_prev = Wᵀ·dZ' };
  },
  sigmoid: per('dZ = dA ⊙ σ(Z)(1 − σ(Z))'),
  tanh: per('dZ = dA ⊙ (1 − tanh²(Z))'),
  relu: per('dZ = dA ⊙ [Z > 0]'),
  softplus: per('dx = dy ⊙ σ(x)'),
  exp: per('dx = dy ⊙ exp(x)'),
  log: per('dx = dy / x'),
  log1p: per('dx = dy / (1 + x)'),
  sqrt: per('dx = dy / (2√x)'),
  square: per('dx = dy ⊙ 2x'),
  reciprocal: per('dx = −dy / x²'),
  abs: per('dx = dy ⊙ sign(x)'),
  neg: per('dx = −dy'),
  sum: per('dx = broadcast(dy)'),
  max: per('dx = dy at the maxima (shared among ties)'),
  min: per('dx = dy at the minima (shared among ties)'),
  transpose: per('dx = transpose⁻¹(dy)'),
  broadcastTo: per('dx = dy summed over the broadcast axes'),
  softmaxCrossEntropy: per('dz = dℓ ⊙ (softmax(z) − y)', 'dy = −dℓ ⊙ log softmax(z)'),
  where: per('none flows into the condition', 'da = dy ⊙ [c]', 'db = dy ⊙ [¬c]'),
  clamp: per('dx = dy ⊙ [lo ≤ x ≤ hi]'),
  sin: per('dx = dy ⊙ cos(x)'),
  cos: per('dx = −dy ⊙ sin(x)'),
  expm1: per('dx = dy ⊙ eˣ'),
  erf: per('dx = dy ⊙ 2/√π e^(−x²)'),
  logSigmoid: per('dx = dy ⊙ σ(−x)'),
  silu: per('dx = dy ⊙ σ(x)(1 + x(1 − σ(x)))'),
  gelu: per('dx = dy ⊙ (Φ(x) + x φ(x))'),
  geluTanh: per('dx = dy ⊙ gelu′(x), tanh form'),
  leakyRelu: per('dx = dy ⊙ ([x > 0] + slope·[x ≤ 0])'),
  elu: per('dx = dy ⊙ ([x > 0] + (y + α)[x ≤ 0])'),
  sigmoidGrad: per('dy = dz ⊙ g(1 − 2y)', 'dg = dz ⊙ y(1 − y)'),
  slice: per('dx = dy in the sliced places, 0 elsewhere'),
  unslice: per('dx = dy at the sliced places'),
  concat: per('dxᵢ = the part of dy where xᵢ went'),
  gather: per('dx = dy scatter-added at the indices'),
  scatterAdd: per('dx = dy gathered at the indices'),
  take: per('dx = dy index-added at the indices'),
  indexAdd: per('dx = dy taken at the indices'),
  reshape: pass('dx = reshape⁻¹(dy)'),
  astype: pass('dx = dy cast back'),
  identity: pass('dx = dy'),
};

/** The ops that only relabel their input (no arithmetic): `explain` folds them into a neighbour. */
export const PASS_THROUGH: ReadonlySet<string> = new Set(['reshape', 'astype', 'identity']);

/** The VJP the sweep applies for input `i` of `node`, as text. */
export function formulaOf(node: Node, i: number): Formula {
  const name = node.rule.name;
  return Object.hasOwn(RULES, name) ? RULES[name](i, node) : { text: `VJP of ${name}` };
}
