/**
 * Fidelity to the notes (../shared/seeds): the tape's gradients for the notes' 4-layer sigmoid network
 * equal, to 1e-12 in float64, the notes' closed-form backward pass written here in plain loops over
 * Float64Arrays, independently of the library:
 *
 *   dZ[l] = dA[l] ⊙ σ(Z[l])(1 − σ(Z[l]))      (the notes print dA · σ(Z): erratum, it is σ'(Z))
 *   dW[l] = (1/m) dZ[l] · A[l−1]ᵀ
 *   db[l] = (1/m) Σ_columns dZ[l]
 *   dA[l−1] = W[l]ᵀ · dZ[l]
 *
 * The notes' dA[L] is the derivative of the PER-EXAMPLE loss ℓ(a_j, y_j), and their 1/m is the mean over
 * the m examples of the cost J = (1/m) Σ_j ℓ(a_j, y_j). So the loss handed to the tape is that mean (the
 * losses' 'mean' reduction), and the loops put the 1/m in dW and db only, exactly where the notes do.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Generator, randn, rand, tapeOf, type Tensor } from '@tapegrad/core';
import { Dense, Sequential, mse, binaryCrossEntropy } from '@tapegrad/nn';

type Mat = { rows: number; cols: number; data: Float64Array };
const mat = (rows: number, cols: number): Mat => ({ rows, cols, data: new Float64Array(rows * cols) });
const fromTensor = (t: Tensor): Mat => ({ rows: t.shape[0], cols: t.shape[1], data: Float64Array.from(t.data) });
const sigma = (z: number): number => 1 / (1 + Math.exp(-z));

/** The notes' forward and backward pass in loops; returns dW[l], db[l] for l = 1..L. */
function notesBackward(Ws: Mat[], bs: Mat[], X: Mat, dAofOutput: (A: Mat) => Mat): { dW: Mat[]; db: Mat[] } {
  const L = Ws.length, m = X.cols;
  const Z: Mat[] = [], A: Mat[] = [X];
  for (let l = 1; l <= L; l++) {
    const W = Ws[l - 1], b = bs[l - 1], Ap = A[l - 1];
    const Zl = mat(W.rows, m), Al = mat(W.rows, m);
    for (let i = 0; i < W.rows; i++) {
      for (let j = 0; j < m; j++) {
        let s = b.data[i];
        for (let k = 0; k < W.cols; k++) s += W.data[i * W.cols + k] * Ap.data[k * m + j];
        Zl.data[i * m + j] = s;
        Al.data[i * m + j] = sigma(s);
      }
    }
    Z[l] = Zl;
    A[l] = Al;
  }
  const dW: Mat[] = [], db: Mat[] = [];
  let dA = dAofOutput(A[L]);
  for (let l = L; l >= 1; l--) {
    const W = Ws[l - 1], Ap = A[l - 1], n = W.rows;
    const dZ = mat(n, m);
    for (let e = 0; e < n * m; e++) {
      const s = sigma(Z[l].data[e]);
      dZ.data[e] = dA.data[e] * s * (1 - s);
    }
    const dWl = mat(n, W.cols), dbl = mat(n, 1);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < W.cols; k++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += dZ.data[i * m + j] * Ap.data[k * m + j];
        dWl.data[i * W.cols + k] = s / m;
      }
      let s = 0;
      for (let j = 0; j < m; j++) s += dZ.data[i * m + j];
      dbl.data[i] = s / m;
    }
    dW[l - 1] = dWl;
    db[l - 1] = dbl;
    const dAp = mat(W.cols, m);
    for (let k = 0; k < W.cols; k++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += W.data[i * W.cols + k] * dZ.data[i * m + j];
        dAp.data[k * m + j] = s;
      }
    }
    dA = dAp;
  }
  return { dW, db };
}

/** |tape − notes| ≤ 1e-12 · max(1, |notes|): absolute for small values, relative for large ones. */
function expectClose(tape: Tensor, notes: Mat, what: string): void {
  expect(tape.shape, what).toEqual([notes.rows, notes.cols]);
  for (let e = 0; e < notes.data.length; e++) {
    const err = Math.abs(tape.data[e] - notes.data[e]);
    if (!(err <= 1e-12 * Math.max(1, Math.abs(notes.data[e])))) {
      expect.fail(`${what}[${e}]: tape ${tape.data[e]} vs notes ${notes.data[e]} (error ${err})`);
    }
  }
}

/** The notes' network [n0, n1, n2, n3, n4] in float64, with random (non-zero) biases. */
function notesNetwork(sizes: number[], seed: number): Sequential {
  const g = new Generator(seed);
  const net = new Sequential(...sizes.slice(1).map((n, i) => new Dense(sizes[i], n, { activation: 'sigmoid', dtype: 'float64', generator: g })));
  net.setParameters(net.parameters().map((p, name) => (name.endsWith('.b') ? randn(p.shape, { dtype: 'float64', generator: g }) : p)));
  return net;
}

function checkAgainstNotes(net: Sequential, X: Tensor, Y: Tensor, loss: (A: Tensor, Y: Tensor) => Tensor, dAofOutput: (A: Mat) => Mat): void {
  net.zeroGrad();
  loss(net.forward(X), Y).backward();
  const p = net.parameters();
  const Ws = net.layers.map((_, i) => fromTensor(p.get(`layers.${i}.W`)!));
  const bs = net.layers.map((_, i) => fromTensor(p.get(`layers.${i}.b`)!));
  const { dW, db } = notesBackward(Ws, bs, fromTensor(X), dAofOutput);
  net.layers.forEach((_, i) => {
    expectClose(p.get(`layers.${i}.W`)!.grad!, dW[i], `dW[${i + 1}]`);
    expectClose(p.get(`layers.${i}.b`)!.grad!, db[i], `db[${i + 1}]`);
  });
}

const sizesArb = fc.tuple(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 5, maxLength: 5 }), fc.integer({ min: 1, max: 9 }), fc.nat());

describe("the notes' 4-layer sigmoid network: tape gradients = the notes' closed-form backward pass", () => {
  it('binary cross-entropy on one sigmoid output unit: ℓ = −[y log a + (1−y) log(1−a)], dA[4] = −y/a + (1−y)/(1−a)', () => {
    fc.assert(
      fc.property(sizesArb, ([sizes, m, seed]) => {
        sizes[4] = 1;
        const net = notesNetwork(sizes, seed);
        const g = new Generator(seed + 1);
        const X = randn([sizes[0], m], { dtype: 'float64', generator: g });
        const Y = rand([1, m], { dtype: 'float64', generator: g }).gt(0.5);
        checkAgainstNotes(net, X, Y, (A, Y) => binaryCrossEntropy(A, Y), (A) => {
          const dA = mat(A.rows, A.cols);
          A.data.forEach((a, e) => (dA.data[e] = -Y.data[e] / a + (1 - Y.data[e]) / (1 - a)));
          return dA;
        });
      }),
      { numRuns: 60, seed: 3 },
    );
  });

  it('mean squared error on K output units: ℓ_j = (1/K)‖a_j − y_j‖², dA[4] = (2/K)(A − Y)', () => {
    fc.assert(
      fc.property(sizesArb, ([sizes, m, seed]) => {
        const net = notesNetwork(sizes, seed);
        const g = new Generator(seed + 1);
        const X = randn([sizes[0], m], { dtype: 'float64', generator: g });
        const Y = rand([sizes[4], m], { dtype: 'float64', generator: g });
        // mse 'mean' averages over K·m elements = (1/m) Σ_j (1/K)‖a_j − y_j‖²
        checkAgainstNotes(net, X, Y, (A, Y) => mse(A, Y), (A) => {
          const dA = mat(A.rows, A.cols);
          A.data.forEach((a, e) => (dA.data[e] = (2 / A.rows) * (a - Y.data[e])));
          return dA;
        });
      }),
      { numRuns: 60, seed: 4 },
    );
  });

  it('½‖A − Y‖² summed and divided by m, the textbook form: dA[4] = A − Y', () => {
    for (const sizes of [[3, 5, 4, 2, 2], [8, 1, 7, 3, 4], [1, 1, 1, 1, 1]]) {
      const m = 6;
      const net = notesNetwork(sizes, 11);
      const X = randn([sizes[0], m], { dtype: 'float64', generator: new Generator(12) });
      const Y = rand([sizes[4], m], { dtype: 'float64', generator: new Generator(13) });
      checkAgainstNotes(net, X, Y, (A, Y) => mse(A, Y, { reduction: 'sum' }).div(2 * m), (A) => {
        const dA = mat(A.rows, A.cols);
        A.data.forEach((a, e) => (dA.data[e] = a - Y.data[e]));
        return dA;
      });
    }
  });

  it('a wrong closed form is caught: dividing db by m twice breaks the comparison', () => {
    // guards the comparison itself: the same check with a deliberately wrong reference must fail
    const net = notesNetwork([2, 3, 3, 2, 1], 5);
    const X = randn([2, 4], { dtype: 'float64', generator: new Generator(6) });
    const Y = rand([1, 4], { dtype: 'float64', generator: new Generator(7) });
    binaryCrossEntropy(net.forward(X), Y).backward();
    const db4 = net.parameters().get('layers.3.b')!.grad!;
    const wrong = { rows: 1, cols: 1, data: Float64Array.from(db4.data, (v) => v / 4) };
    expect(() => expectClose(db4, wrong, 'db[4]')).toThrow(/db\[4\]/);
  });
});

describe("the recorded tape is the notes' sequence Z[1], A[1], …, Z[4], A[4]", () => {
  it('each Dense layer records exactly matmul(W, A[l−1]) → add(·, b) → sigmoid, named Z[l] and A[l]', () => {
    const net = notesNetwork([5, 4, 3, 2, 1], 0);
    const X = randn([5, 7], { dtype: 'float64', generator: new Generator(1) });
    const A4 = net.forward(X);
    const tape = tapeOf(A4).toArray();
    expect(tape.map((e) => e.op)).toEqual(['matmul', 'add', 'sigmoid', 'matmul', 'add', 'sigmoid', 'matmul', 'add', 'sigmoid', 'matmul', 'add', 'sigmoid']);
    expect(tape.filter((e) => e.op !== 'matmul').map((e) => e.output.name)).toEqual(['Z[1]', 'A[1]', 'Z[2]', 'A[2]', 'Z[3]', 'A[3]', 'Z[4]', 'A[4]']);
    const p = net.parameters();
    let Aprev: Tensor = X;
    for (let l = 1; l <= 4; l++) {
      const [mm, ad, sg] = tape.slice(3 * (l - 1), 3 * l);
      expect(mm.inputs[0]).toBe(p.get(`layers.${l - 1}.W`));
      expect(mm.inputs[1]).toBe(Aprev);
      expect(ad.inputs[0]).toBe(mm.output);
      expect(ad.inputs[1]).toBe(p.get(`layers.${l - 1}.b`));
      expect(sg.inputs[0]).toBe(ad.output);
      expect(ad.output.shape).toEqual([[4, 3, 2, 1][l - 1], 7]); // Z[l] is [n_l, m]
      Aprev = sg.output;
    }
    expect(Aprev).toBe(A4);
  });
});
