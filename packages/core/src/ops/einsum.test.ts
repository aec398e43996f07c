import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError, TapegradError, einsum, gradcheck, gradgradcheck, tapeOf, tensor, type NestedArray, type Tensor } from '@tapegrad/core';

const f64 = (v: NestedArray) => tensor(v, { dtype: 'float64' });
const sizeOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/**
 * The definition, by brute force over every assignment of the indices (letters only, explicit output):
 * out[output indices] = Σ over the rest of Π_k operand_k[its indices]; a size-1 axis broadcasts.
 */
function reference(spec: string, xs: readonly Tensor[]): Float64Array {
  const [lhs, rhs] = spec.split('->');
  const terms = lhs.split(',').map((t) => [...t]);
  const out = [...rhs];
  const size = new Map<string, number>();
  terms.forEach((t, k) => t.forEach((l, a) => size.set(l, Math.max(size.get(l) ?? 1, xs[k].shape[a]))));
  const labels = [...size.keys()];
  const result = new Float64Array(sizeOf(out.map((l) => size.get(l)!)));
  const at = new Map<string, number>();
  const offset = (t: readonly string[], shape: readonly number[]) =>
    t.reduce((o, l, a) => o * shape[a] + (shape[a] === 1 ? 0 : at.get(l)!), 0);
  const visit = (i: number): void => {
    if (i === labels.length) {
      let p = 1;
      terms.forEach((t, k) => (p *= xs[k].data[offset(t, xs[k].shape)]));
      result[offset(out, out.map((l) => size.get(l)!))] += p;
      return;
    }
    for (let v = 0; v < size.get(labels[i])!; v++) {
      at.set(labels[i], v);
      visit(i + 1);
    }
  };
  visit(0);
  return result;
}

/** 1–3 operands over the indices a–d (rank 0–3, repeats allowed), each index size 1–3, some axes of size 1 (broadcast), and an output. */
const specArb = fc
  .tuple(
    fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    fc.record({ a: fc.integer({ min: 1, max: 3 }), b: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }) }),
    fc.infiniteStream(fc.boolean()),
  )
  .chain(([terms, size, ones]) => {
    const used = [...new Set(terms.flat())];
    const it = ones[Symbol.iterator]();
    // a repeated index keeps its size within an operand; across operands an axis may be 1
    const shapes = terms.map((t) => {
      const own = new Map(t.map((l) => [l, it.next().value && t.indexOf(l) === t.lastIndexOf(l) ? 1 : size[l as keyof typeof size]]));
      return t.map((l) => own.get(l)!);
    });
    return fc.tuple(
      fc.constant(terms),
      fc.shuffledSubarray(used),
      ...shapes.map((s) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: sizeOf(s), maxLength: sizeOf(s) }).map((v) => tensor(Float64Array.from(v), { shape: s, dtype: 'float64' }))),
    );
  })
  .map(([terms, output, ...xs]) => ({ spec: `${(terms as string[][]).map((t) => t.join('')).join(',')}->${(output as string[]).join('')}`, xs: xs as Tensor[] }));

describe('einsum', () => {
  it('agrees with the definition on random specs (repeats, broadcasting, sums, any output order)', () => {
    fc.assert(
      fc.property(specArb, ({ spec, xs }) => {
        const got = einsum(spec, ...xs);
        const want = reference(spec, xs);
        expect(got.size, spec).toBe(want.length);
        got.data.forEach((v, i) => expect(Math.abs(v - want[i]), `${spec} element ${i}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i]))));
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('passes gradcheck and gradgradcheck on random specs', () => {
    fc.assert(
      fc.property(specArb, ({ spec, xs }) => {
        const f = (...ys: Tensor[]) => einsum(spec, ...ys);
        expect(gradcheck(f, xs).ok, spec).toBe(true);
        expect(gradgradcheck(f, xs).ok, spec).toBe(true);
      }),
      { numRuns: 25, seed: 12 },
    );
  });

  it('known values: products, trace, diagonal, implicit output', () => {
    const A = f64([[1, 2], [3, 4]]), B = f64([[5, 6], [7, 8]]);
    expect(einsum('ij,jk->ik', A, B).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(einsum('ij,jk', A, B).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(einsum('ii', A).item()).toBe(5);
    expect(einsum('ii->i', A).toArray()).toEqual([1, 4]);
    expect(einsum('ba', f64([[1, 2, 3], [4, 5, 6]])).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]); // implicit output is 'ab'
    expect(einsum('i,j', f64([1, 2]), f64([3, 4, 5])).toArray()).toEqual([[3, 4, 5], [6, 8, 10]]);
    expect(einsum('ij->', A).item()).toBe(10);
    expect(einsum(' ij , ij -> i ', A, B).toArray()).toEqual([17, 53]);
    expect(einsum('', f64(3)).item()).toBe(3);
  });

  it('a batched bilinear form xᵀ·W·y, and ... broadcasting', () => {
    const x = f64([[1, 0], [0, 1], [1, 1]]), W = f64([[1, 2], [3, 4]]), y = f64([[1, 1], [2, 0], [0, 1]]);
    expect(einsum('bi,ij,bj->b', x, W, y).toArray()).toEqual([3, 6, 6]);
    const As = f64([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]); // [2, 2, 2]
    expect(einsum('...ij,...j->...i', As, f64([1, 2])).toArray()).toEqual([[1, 2], [2, 4]]);
    expect(einsum('...ij,...jk', f64([[[1, 2]]]), f64([[[1], [1]], [[2], [2]]])).shape).toEqual([2, 1, 1]);
    expect(einsum('...ii->...i', As).toArray()).toEqual([[1, 1], [2, 2]]);
    // an explicit output without ... sums the broadcast dims, as PyTorch does (NumPy refuses)
    expect(einsum('...ii->', As).item()).toBe(6);
  });

  it('a two-operand contraction is one matmul on the tape', () => {
    const A = tensor([[[1, 2], [3, 4]]], { requiresGrad: true }), B = tensor([[[1], [2]]], { requiresGrad: true });
    const ops = (y: Tensor) => tapeOf(y.sum()).map((e) => e.op).toArray().filter((op) => op !== 'sum' && op !== 'reshape');
    expect(ops(einsum('bij,bjk->bik', A, B))).toEqual(['matmul']);
    expect(ops(einsum('bij,bkj->bik', A, tensor([[[1, 2]]], { requiresGrad: true })))).toEqual(['transpose', 'matmul']);
    expect(ops(einsum('bij,bij->bi', A, A))).toEqual(['mul']); // batched dot products: a product and a sum, not 1×1 gemms
  });

  it.each([
    ['ij,jk', [f64([[1]])], TapegradError, "einsum: argument 'operands': 'ij,jk' names 2 operand(s) but 1 were given"],
    ['i1', [f64([1, 2])], TapegradError, "einsum: argument 'spec': operand 0 'i1' has '1': indices are letters a–z, A–Z"],
    ['...i...', [f64([1])], TapegradError, "einsum: argument 'spec': operand 0 '...i...' has more than one '...'"],
    ['ij', [f64([1, 2])], ShapeError, "einsum: argument 'operands[0]': operand 0 has shape [2] but 'ij' has 2 index(es)"],
    ['i,i', [f64([1, 2]), f64([1, 2, 3])], ShapeError, "einsum: argument 'operands[1]': index 'i' has size 2 in an earlier operand and 3 in operand 1 (shape [3])"],
    ['ii', [f64([[1, 2, 3]])], ShapeError, "index 'i' is repeated in operand 0 with sizes 1 and 3"],
    ['i->j', [f64([1])], TapegradError, "einsum: argument 'spec': the output index 'j' appears in no operand"],
    ['ij->ii', [f64([[1]])], TapegradError, "einsum: argument 'spec': the output 'ii' repeats index 'i'"],
  ])('%s: a typed error naming what is wrong', (spec, xs, type, message) => {
    expect(() => einsum(spec, ...xs)).toThrow(type);
    expect(() => einsum(spec, ...xs)).toThrow(message);
  });
});
