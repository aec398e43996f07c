/**
 * Rearranging elements: flip (a primitive: one strided copy, its own adjoint), and pad, split, repeat
 * and tile, composites of the layout primitives whose adjoints are exact and linear (unslice ↔ slice,
 * broadcast ↔ sum, take ↔ indexAdd), so each is differentiable to every order without a rule of its own.
 */
import { alloc } from '../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { full } from '../creation.js';
import { kernels } from '../kernels/index.js';
import { normAxes, normAxis } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor } from '../tensor.js';
import { where } from './arith.js';
import { defineOp, expectTensor, type Grads } from './define.js';
import { take } from './indexing.js';
import { broadcastTo, reshape, sliceRaw, unslice, type Axis } from './layout.js';

// d flip(x) = flip(dx): the reversal is a permutation that is its own inverse
export const flipOp = defineOp<'flip', { axes: readonly number[] }>('flip', {
  forward: ([x], { axes }) => {
    const out = alloc(x.dtype, x.size);
    kernels.flip(x.data, x.shape, axes, out);
    return new Tensor(out, x.shape);
  },
  vjp: (dy, { attrs: { axes } }): Grads => [apply(flipOp, [dy], { axes })],
});

/**
 * x with the order of its entries reversed along `axis` (every axis by default, as `np.flip`;
 * PyTorch's `flip` requires its `dims`). Axes may be negative; flipping no axes copies x.
 *
 * @example
 * flip(tensor([[1, 2], [3, 4]]), 1); // [[2, 1], [4, 3]]
 * flip(tensor([[1, 2], [3, 4]]));    // [[4, 3], [2, 1]]
 */
export function flip(x: Tensor, axis?: Axis | null): Tensor {
  expectTensor('flip', x);
  if (axis !== undefined && axis !== null && typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new TapegradError('flip', `expected an axis number, an array of them, null or undefined, got ${fmtValue(axis)}`, 'axis');
  }
  return apply(flipOp, [x], { axes: normAxes('flip', axis, x.ndim) });
}

/** A non-negative integer, or a typed error naming op and argument. */
function count(op: string, v: unknown, arg: string): number {
  if (!Number.isInteger(v) || (v as number) < 0) throw new TapegradError(op, `expected a non-negative integer, got ${fmtValue(v)}`, arg);
  return v as number;
}

/** [before, after] on each axis, from NumPy's forms of `pad_width`. */
function padWidths(width: unknown, ndim: number): [number, number][] {
  const pair = (v: unknown, arg: string): [number, number] => {
    if (!Array.isArray(v) || v.length !== 2) throw new TapegradError('pad', `expected a [before, after] pair, got ${fmtValue(v)}`, arg);
    return [count('pad', v[0], arg), count('pad', v[1], arg)];
  };
  if (typeof width === 'number') {
    const n = count('pad', width, 'width');
    return Array.from({ length: ndim }, () => [n, n]);
  }
  if (!Array.isArray(width)) throw new TapegradError('pad', `expected a number, a [before, after] pair or one pair per axis, got ${fmtValue(width)}`, 'width');
  if (width.length === 2 && typeof width[0] === 'number') {
    const p = pair(width, 'width');
    return Array.from({ length: ndim }, () => [...p]);
  }
  if (width.length === 1) {
    const p = pair(width[0], 'width[0]');
    return Array.from({ length: ndim }, () => [...p]);
  }
  if (width.length !== ndim) {
    throw new ShapeError('pad', `expected one [before, after] pair per axis (${ndim}), got ${width.length} pairs`, 'width');
  }
  return width.map((p, i) => pair(p, `width[${i}]`));
}

/**
 * x surrounded by `value` (default 0): `width` gives [before, after] for each axis in order, as
 * NumPy's `pad(x, pad_width, constant_values=value)` — a number pads every side of every axis by it,
 * a single pair pads every axis by it. PyTorch's `F.pad` lists its pairs the other way round, from
 * the LAST axis back, flattened: `F.pad(x, (l, r, t, b))` on [H, W] is `pad(x, [[t, b], [l, r]])`
 * here. Widths are non-negative (PyTorch's negative widths crop; use `slice`).
 *
 * @example
 * pad(tensor([[1, 2]]), [[1, 0], [0, 2]]);  // [[0, 0, 0, 0], [1, 2, 0, 0]]
 * pad(tensor([1, 2]), 1, -1);               // [-1, 1, 2, -1]
 */
export function pad(x: Tensor, width: number | readonly [number, number] | readonly (readonly [number, number])[], value = 0): Tensor {
  expectTensor('pad', x);
  const pairs = padWidths(width, x.ndim);
  if (typeof value !== 'number') throw new TapegradError('pad', `expected a number, got ${fmtValue(value)}`, 'value');
  const begin = pairs.map(([b]) => b);
  const step = pairs.map(() => 1);
  const shape = x.shape.map((d, i) => pairs[i][0] + d + pairs[i][1]);
  // unslice places x into zeros; where() fills the border exactly (x − v + v would round)
  const out = unslice(x, begin, step, shape);
  if (Object.is(value, 0)) return out;
  const inside = unslice(full(x.shape, 1, { dtype: x.dtype }), begin, step, shape);
  return where(inside, out, value);
}

/**
 * x cut along `axis` (default 0) into consecutive pieces, returned as an array: `sections` is either
 * the number of equal pieces (the axis length must divide evenly, as `np.split(x, k)`), or the list
 * of the pieces' sizes, which must add up to the axis length (as `torch.split(x, [s₀, s₁, …])`).
 * Beware both neighbours: `np.split` reads a list as split *indices*, and `torch.split` reads a
 * number as the *size* of each piece — here a number is a count of pieces and a list holds sizes.
 *
 * @example
 * split(tensor([1, 2, 3, 4, 5, 6]), 3);                    // [1, 2], [3, 4], [5, 6]
 * split(tensor([[1, 2, 3], [4, 5, 6]]), [1, 2], 1);        // [[1], [4]] and [[2, 3], [5, 6]]
 */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  expectTensor('split', x);
  const a = normAxis('split', axis, x.ndim);
  const n = x.shape[a];
  let sizes: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections < 1) throw new TapegradError('split', `expected a positive integer count of pieces, got ${fmtValue(sections)}`, 'sections');
    if (n % sections !== 0) throw new ShapeError('split', `axis ${a} of shape ${fmtShape(x.shape)} has ${n} entries, which do not split into ${sections} equal pieces`, 'sections');
    sizes = Array.from({ length: sections }, () => n / sections);
  } else {
    if (!Array.isArray(sections)) throw new TapegradError('split', `expected a number of pieces or an array of sizes, got ${fmtValue(sections)}`, 'sections');
    sizes = sections.map((s, i) => count('split', s, `sections[${i}]`));
    const total = sizes.reduce((p, s) => p + s, 0);
    if (total !== n) throw new ShapeError('split', `the sizes ${JSON.stringify(sizes)} add up to ${total}, but axis ${a} of shape ${fmtShape(x.shape)} has ${n} entries`, 'sections');
  }
  let offset = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, d) => (d === a ? offset : 0));
    offset += s;
    return sliceRaw(x, begin, x.shape.map(() => 1), x.shape.map((d, i) => (i === a ? s : d)));
  });
}

/**
 * Each entry of x repeated along `axis`, as NumPy's `np.repeat` (PyTorch's `repeat_interleave`, NOT
 * PyTorch's `Tensor.repeat`, which is `tile`): `repeats` is one count for every entry or a count per
 * entry along the axis. Without an axis, x is flattened first. The gradient sums the copies.
 *
 * @example
 * repeat(tensor([[1, 2], [3, 4]]), 2, 1);  // [[1, 1, 2, 2], [3, 3, 4, 4]]
 * repeat(tensor([1, 2, 3]), [2, 0, 1]);    // [1, 1, 3]
 */
export function repeat(x: Tensor, repeats: number | readonly number[], axis?: number | null): Tensor {
  expectTensor('repeat', x);
  const t = axis === undefined || axis === null ? reshape(x, [x.size]) : x;
  const a = normAxis('repeat', axis ?? 0, t.ndim);
  const n = t.shape[a];
  if (typeof repeats === 'number') {
    const r = count('repeat', repeats, 'repeats');
    // [… n …] → [… n, 1 …] → broadcast [… n, r …] → [… n·r …]: one copy, and the gradient is a sum
    const column = t.shape.flatMap((d, i) => (i === a ? [d, 1] : [d]));
    const wide = t.shape.flatMap((d, i) => (i === a ? [d, r] : [d]));
    return reshape(broadcastTo(reshape(t, column), wide), t.shape.map((d, i) => (i === a ? d * r : d)));
  }
  if (!Array.isArray(repeats)) throw new TapegradError('repeat', `expected a count or an array of counts, got ${fmtValue(repeats)}`, 'repeats');
  if (repeats.length !== n) {
    throw new ShapeError('repeat', `expected one count per entry along axis ${a} (${n}) of shape ${fmtShape(t.shape)}, got ${repeats.length}`, 'repeats');
  }
  const index: number[] = [];
  repeats.forEach((r, i) => {
    for (let k = count('repeat', r, `repeats[${i}]`); k > 0; k--) index.push(i);
  });
  return take(t, Int32Array.from(index), a);
}

/**
 * x repeated `reps` times along each axis, as NumPy's `np.tile` and PyTorch's `tile` (and PyTorch's
 * `Tensor.repeat`): a number tiles the last axis; when `reps` and x differ in rank, the shorter is
 * padded with leading 1s. The gradient sums the tiles.
 *
 * @example
 * tile(tensor([1, 2]), 2);           // [1, 2, 1, 2]
 * tile(tensor([1, 2]), [2, 1]);      // [[1, 2], [1, 2]]
 */
export function tile(x: Tensor, reps: number | readonly number[]): Tensor {
  expectTensor('tile', x);
  const r0 = typeof reps === 'number' ? [reps] : reps;
  if (!Array.isArray(r0)) throw new TapegradError('tile', `expected a count or an array of counts, got ${fmtValue(reps)}`, 'reps');
  const counts = r0.map((r, i) => count('tile', r, typeof reps === 'number' ? 'reps' : `reps[${i}]`));
  const nd = Math.max(x.ndim, counts.length);
  const shape = [...Array.from({ length: nd - x.ndim }, () => 1), ...x.shape];
  const r = [...Array.from({ length: nd - counts.length }, () => 1), ...counts];
  // [s₀, s₁, …] → [1, s₀, 1, s₁, …] → broadcast [r₀, s₀, r₁, s₁, …] → [r₀s₀, r₁s₁, …]
  const spread = reshape(x, shape.flatMap((d) => [1, d]));
  return reshape(broadcastTo(spread, shape.flatMap((d, i) => [r[i], d])), shape.map((d, i) => d * r[i]));
}
