/**
 * `einsum` lowered to primitives: a repeated index within an operand is a `diagonal`, an index no
 * other operand or the output needs is summed at once, and operands are contracted left to right,
 * each pair as one batched `matmul` (batch, kept and contracted indices grouped by a transpose and a
 * reshape) — or one broadcasting `mul` when nothing is contracted, and a `mul` and a `sum` when
 * nothing but the batch is kept (batched dot products). Its gradient is theirs.
 */
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { Tensor } from '../tensor.js';
import { mul } from './arith.js';
import { expectTensor } from './define.js';
import { reshape, transpose } from './layout.js';
import { diagonal } from './linalg/structure.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';

/** An operand with one label per axis: a letter, or `…k` for the k-th of the broadcast (ellipsis) dims. */
interface Term {
  x: Tensor;
  labels: string[];
}

const LETTER = /^[A-Za-z]$/;

function parseTerm(term: string, what: string): { letters: string[]; ellipsis: number } {
  const parts = term.split('...');
  if (parts.length > 2) throw new TapegradError('einsum', `${what} '${term}' has more than one '...'`, 'spec');
  for (const c of parts.join('')) if (!LETTER.test(c)) throw new TapegradError('einsum', `${what} '${term}' has '${c}': indices are letters a–z, A–Z`, 'spec');
  return parts.length === 2 ? { letters: [...parts[0], '.', ...parts[1]], ellipsis: parts[0].length } : { letters: [...term], ellipsis: -1 };
}

/** The operands labelled from the spec, and the output's labels. */
function parse(spec: string, operands: readonly Tensor[]): { terms: Term[]; output: string[] } {
  const [lhs, rhs, extra] = spec.replace(/\s+/g, '').split('->');
  if (extra !== undefined) throw new TapegradError('einsum', `'${spec}' has more than one '->'`, 'spec');
  const inputs = lhs.split(',');
  if (inputs.length !== operands.length) {
    throw new TapegradError('einsum', `'${spec}' names ${inputs.length} operand(s) but ${operands.length} were given`, 'operands');
  }
  const parsed = inputs.map((t, i) => parseTerm(t, `operand ${i}`));
  // the ellipsis dims of all operands broadcast together, right-aligned, as in NumPy
  const spans = parsed.map((p, i) => {
    const named = p.letters.length - (p.ellipsis >= 0 ? 1 : 0);
    if (p.ellipsis < 0 ? named !== operands[i].ndim : named > operands[i].ndim) {
      throw new ShapeError('einsum', `operand ${i} has shape ${fmtShape(operands[i].shape)} but '${inputs[i]}' has ${named} index(es)${p.ellipsis >= 0 ? ' and ...' : ''}`, `operands[${i}]`);
    }
    return p.ellipsis < 0 ? 0 : operands[i].ndim - named;
  });
  const E = Math.max(0, ...spans);
  const ell = (count: number) => Array.from({ length: count }, (_, k) => `…${E - count + k}`);
  const terms = parsed.map((p, i): Term => ({
    x: operands[i],
    labels: p.letters.flatMap((c) => (c === '.' ? ell(spans[i]) : [c])),
  }));
  let output: string[];
  if (rhs === undefined) {
    // implicit: the broadcast dims, then every index that appears once, in alphabetical order
    const count = new Map<string, number>();
    for (const p of parsed) for (const c of p.letters) if (c !== '.') count.set(c, (count.get(c) ?? 0) + 1);
    output = [...ell(E), ...[...count].filter(([, n]) => n === 1).map(([c]) => c).sort()];
  } else {
    const p = parseTerm(rhs, 'the output');
    output = p.letters.flatMap((c) => (c === '.' ? ell(E) : [c]));
    const seen = new Set<string>();
    for (const c of output) {
      if (seen.has(c)) throw new TapegradError('einsum', `the output '${rhs}' repeats index '${c}'`, 'spec');
      if (!terms.some((t) => t.labels.includes(c))) throw new TapegradError('einsum', `the output index '${c}' appears in no operand`, 'spec');
      seen.add(c);
    }
  }
  return { terms, output };
}

/**
 * Checks that every label has one size across operands, where a size of 1 broadcasts (as in NumPy
 * and PyTorch); a label repeated within one operand must have one size there.
 */
function checkSizes(terms: readonly Term[]): void {
  const size = new Map<string, number>();
  terms.forEach((t, i) => {
    const own = new Map<string, number>();
    t.labels.forEach((l, a) => {
      const d = t.x.shape[a], mine = own.get(l), known = size.get(l);
      const name = l.startsWith('…') ? 'a ... dimension' : `index '${l}'`;
      if (mine !== undefined && mine !== d) {
        throw new ShapeError('einsum', `${name} is repeated in operand ${i} with sizes ${mine} and ${d} (shape ${fmtShape(t.x.shape)})`, `operands[${i}]`);
      }
      own.set(l, d);
      if (known === undefined || known === 1) size.set(l, d);
      else if (d !== known && d !== 1) {
        throw new ShapeError('einsum', `${name} has size ${known} in an earlier operand and ${d} in operand ${i} (shape ${fmtShape(t.x.shape)})`, `operands[${i}]`);
      }
    });
  });
}

/** Takes the diagonal of each repeated label (moved to the end) until every label is distinct. */
function diagonals(t: Term): Term {
  let { x, labels } = t;
  for (let a = 0; a < labels.length; a++) {
    const b = labels.indexOf(labels[a], a + 1);
    if (b < 0) continue;
    const l = labels[a];
    x = diagonal(x, 0, a, b);
    labels = [...labels.filter((_, i) => i !== a && i !== b), l];
    a = -1;
  }
  return { x, labels };
}

/** Sums the labels `keep` does not include. */
function sumOut(t: Term, keep: (l: string) => boolean): Term {
  const axes = t.labels.flatMap((l, i) => (keep(l) ? [] : [i]));
  return axes.length === 0 ? t : { x: sum(t.x, axes), labels: t.labels.filter(keep) };
}

/** x with its axes in the order of `labels`. */
function permute(t: Term, labels: readonly string[]): Tensor {
  const perm = labels.map((l) => t.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? t.x : transpose(t.x, perm);
}

/** One contraction: [batch, kept of a, contracted] · [batch, contracted, kept of b] as a batched matmul. */
function contract(a: Term, b: Term, needed: (l: string) => boolean): Term {
  const inB = (l: string) => b.labels.includes(l);
  const batch = a.labels.filter((l) => inB(l) && needed(l));
  const summed = a.labels.filter((l) => inB(l) && !needed(l));
  const keptA = a.labels.filter((l) => !inB(l)), keptB = b.labels.filter((l) => !a.labels.includes(l));
  const dimOf = (t: Term) => (l: string) => t.x.shape[t.labels.indexOf(l)];
  const labels = [...batch, ...keptA, ...keptB];
  if (summed.length === 0) {
    // nothing contracted: a broadcasting product, with a's kept axes before b's
    const xa = reshape(permute(a, [...batch, ...keptA]), [...batch.map(dimOf(a)), ...keptA.map(dimOf(a)), ...keptB.map(() => 1)]);
    const xb = reshape(permute(b, [...batch, ...keptB]), [...batch.map(dimOf(b)), ...keptA.map(() => 1), ...keptB.map(dimOf(b))]);
    return { x: mul(xa, xb), labels };
  }
  // a contracted index of size 1 in one operand only: sum the other's first (Σ_k a·b_k = a·Σ_k b_k)
  for (const l of summed) {
    const da = dimOf(a)(l), db = dimOf(b)(l);
    if (da !== db) return da === 1 ? contract(a, sumKeep(b, l), needed) : contract(sumKeep(a, l), b, needed);
  }
  if (keptA.length === 0 && keptB.length === 0) {
    // batched dot products: one gemm per batch element would be 1×1, so multiply and sum instead
    const p = mul(permute(a, [...batch, ...summed]), permute(b, [...batch, ...summed]));
    return { x: sum(p, summed.map((_, i) => batch.length + i)), labels };
  }
  const prod = (t: Term, ls: readonly string[]) => ls.reduce((p, l) => p * dimOf(t)(l), 1);
  const K = prod(a, summed);
  const xa = reshape(permute(a, [...batch, ...keptA, ...summed]), [...batch.map(dimOf(a)), prod(a, keptA), K]);
  const xb = reshape(permute(b, [...batch, ...summed, ...keptB]), [...batch.map(dimOf(b)), K, prod(b, keptB)]);
  const c = matmul(xa, xb);
  return { x: reshape(c, [...c.shape.slice(0, batch.length), ...keptA.map(dimOf(a)), ...keptB.map(dimOf(b))]), labels };
}

const sumKeep = (t: Term, l: string): Term => ({ x: sum(t.x, t.labels.indexOf(l), true), labels: t.labels });

/**
 * Einstein summation in NumPy's notation: `'ij,jk->ik'` is a matrix product, `'ii->'` a trace,
 * `'ii->i'` a diagonal, `'bij,bjk->bik'` a batched product, `'...ij,...j->...i'` broadcasts the
 * leading dims. Without `->`, the output is the `...` dims followed by the indices that appear once,
 * in alphabetical order. Operands are contracted left to right (no search for a cheaper order, unlike
 * `numpy.einsum(optimize=True)`): order them so that early contractions are small.
 *
 * @example
 * const A = tensor([[1, 2], [3, 4]]), x = tensor([1, 1]);
 * einsum('ij,j->i', A, x).toArray(); // [3, 7]
 * einsum('ii', A).item(); // 5
 */
export function einsum(spec: string, ...operands: Tensor[]): Tensor {
  if (typeof spec !== 'string') throw new TapegradError('einsum', `expected a string, got ${fmtValue(spec)}`, 'spec');
  operands.forEach((x, i) => expectTensor('einsum', x, `operands[${i}]`));
  const { terms, output } = parse(spec, operands);
  checkSizes(terms);
  const rest = terms.map(diagonals);
  // labels used by the output or by operands from index `from` on
  const neededFrom = (from: number) => {
    const s = new Set(output);
    for (let i = from; i < rest.length; i++) for (const l of rest[i].labels) s.add(l);
    return (l: string) => s.has(l);
  };
  let acc = sumOut(rest[0], neededFrom(1));
  for (let i = 1; i < rest.length; i++) {
    const needed = neededFrom(i + 1);
    const b = sumOut(rest[i], (l) => needed(l) || acc.labels.includes(l));
    acc = contract(acc, b, needed);
  }
  return permute(sumOut(acc, (l) => output.includes(l)), output);
}
