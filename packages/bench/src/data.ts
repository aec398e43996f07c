/**
 * The workloads' data, made in plain JavaScript from one seeded generator so that every library gets
 * the very same numbers (each child process rebuilds them from the seed; the parent compares their
 * checksums), and float64 reference results the parent checks every library against.
 */

/** The seed of every workload's data. */
export const SEED = 20_250_801;

/**
 * A small seeded generator (mulberry32). Each workload draws from its own stream, `stream(label)`,
 * so its data does not depend on which other workloads ran first.
 */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A uniform float in [0, 1) with 32 random bits. */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A Float32Array of `size` uniform draws in [lo, hi). */
  floats(size: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
}

/** FNV-1a over the label, so each workload's stream is fixed by its name and the seed. */
export function stream(label: string, seed = SEED): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return new Rng((h ^ seed) >>> 0);
}

/** A checksum of arrays of numbers (sum of value × a position weight), to show children saw the same data. */
export function checksum(...arrays: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += a[i] * (1 + (i % 7));
  return s;
}

// ---------------------------------------------------------------------------------------------
// W1: C = A·B, square n×n, A and B uniform in [-1, 1).

export interface MatmulData {
  n: number;
  A: Float32Array; // row-major [n, n]
  B: Float32Array;
  /** Entries of C compared across libraries, as flat row-major indices. */
  sample: number[];
}

export function matmulData(n: number): MatmulData {
  const g = stream(`W1 matmul n=${n}`);
  const A = g.floats(n * n, -1, 1);
  const B = g.floats(n * n, -1, 1);
  const sample = Array.from({ length: 16 }, () => g.int(n) * n + g.int(n));
  return { n, A, B, sample };
}

/** The sampled entries of C in float64, and Σ_k |a_ik b_kj| for each (the scale of its rounding error). */
export function matmulReference(d: MatmulData): { values: number[]; scales: number[] } {
  const { n, A, B } = d;
  const values: number[] = [], scales: number[] = [];
  for (const idx of d.sample) {
    const i = Math.floor(idx / n), j = idx % n;
    let c = 0, s = 0;
    for (let k = 0; k < n; k++) {
      const p = A[i * n + k] * B[k * n + j];
      c += p;
      s += Math.abs(p);
    }
    values.push(c);
    scales.push(s);
  }
  return { values, scales };
}

// ---------------------------------------------------------------------------------------------
// W2: one SGD step of the network [784, 256, 128, 10], examples as columns (the notes' layout).

export const MLP_SIZES = [784, 256, 128, 10] as const;
export const MLP_LR = 0.1;

export interface MlpData {
  sizes: readonly number[];
  m: number;
  lr: number;
  X: Float32Array; // [n_0, m], uniform in [0, 1) like pixel intensities
  Y: Float32Array; // [n_L, m], one-hot columns
  /** W[l] is [n_l, n_{l-1}] row-major, uniform with variance 1/n_{l-1}; b[l] is [n_l, 1], uniform in ±0.1. */
  W: Float32Array[];
  b: Float32Array[];
}

export function mlpData(m = 128, sizes: readonly number[] = MLP_SIZES): MlpData {
  const g = stream(`W2 mlp ${sizes.join('-')} m=${m}`);
  const X = g.floats(sizes[0] * m, 0, 1);
  const nOut = sizes[sizes.length - 1];
  const Y = new Float32Array(nOut * m);
  for (let j = 0; j < m; j++) Y[g.int(nOut) * m + j] = 1;
  const W: Float32Array[] = [], b: Float32Array[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const r = Math.sqrt(3 / sizes[l - 1]);
    W.push(g.floats(sizes[l] * sizes[l - 1], -r, r));
    b.push(g.floats(sizes[l], -0.1, 0.1));
  }
  return { sizes, m, lr: MLP_LR, X, Y, W, b };
}

/** C = A·B for row-major float64 [p, q]·[q, r]. */
function mm(A: ArrayLike<number>, B: ArrayLike<number>, p: number, q: number, r: number): Float64Array {
  const C = new Float64Array(p * r);
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < q; k++) {
      const a = A[i * q + k];
      if (a === 0) continue;
      for (let j = 0; j < r; j++) C[i * r + j] += a * B[k * r + j];
    }
  }
  return C;
}

/** Aᵀ for row-major [p, q]. */
function tr(A: ArrayLike<number>, p: number, q: number): Float64Array {
  const T = new Float64Array(p * q);
  for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) T[j * p + i] = A[i * q + j];
  return T;
}

/**
 * The losses of two consecutive steps, in float64 by hand (the notes' backprop): the first shows every
 * library starts from the same loss, the second that its backward pass and SGD update match too.
 *   Z[l] = W[l]·A[l-1] + b[l], A[l] = σ(Z[l]) (hidden), L = −(1/m) Σ Y ⊙ logsoftmax(Z[L]) (over rows)
 *   dZ[L] = (softmax(Z[L]) − Y)/m, dW[l] = dZ[l]·A[l-1]ᵀ, db[l] = Σ_cols dZ[l], dZ[l-1] = W[l]ᵀdZ[l] ⊙ A(1−A)
 */
export function mlpReference(d: MlpData): { losses: [number, number] } {
  const { sizes, m, lr } = d;
  const L = sizes.length - 1;
  const W = d.W.map((w) => Float64Array.from(w));
  const b = d.b.map((v) => Float64Array.from(v));
  const losses: number[] = [];
  for (let step = 0; step < 2; step++) {
    const A: Float64Array[] = [Float64Array.from(d.X)];
    for (let l = 1; l <= L; l++) {
      const Z = mm(W[l - 1], A[l - 1], sizes[l], sizes[l - 1], m);
      for (let i = 0; i < sizes[l]; i++) for (let j = 0; j < m; j++) Z[i * m + j] += b[l - 1][i];
      if (l < L) for (let i = 0; i < Z.length; i++) Z[i] = 1 / (1 + Math.exp(-Z[i]));
      A.push(Z);
    }
    const ZL = A[L], nL = sizes[L];
    const dZ = new Float64Array(nL * m);
    let loss = 0;
    for (let j = 0; j < m; j++) {
      let mx = -Infinity;
      for (let i = 0; i < nL; i++) mx = Math.max(mx, ZL[i * m + j]);
      let s = 0;
      for (let i = 0; i < nL; i++) s += Math.exp(ZL[i * m + j] - mx);
      const lse = mx + Math.log(s);
      for (let i = 0; i < nL; i++) {
        const y = d.Y[i * m + j];
        loss -= y * (ZL[i * m + j] - lse);
        dZ[i * m + j] = (Math.exp(ZL[i * m + j] - lse) - y) / m;
      }
    }
    losses.push(loss / m);
    let dZl: Float64Array = dZ;
    for (let l = L; l >= 1; l--) {
      const dW = mm(dZl, tr(A[l - 1], sizes[l - 1], m), sizes[l], m, sizes[l - 1]);
      const dA = l > 1 ? mm(tr(W[l - 1], sizes[l], sizes[l - 1]), dZl, sizes[l - 1], sizes[l], m) : null;
      for (let i = 0; i < sizes[l]; i++) {
        let db = 0;
        for (let j = 0; j < m; j++) db += dZl[i * m + j];
        b[l - 1][i] -= lr * db;
      }
      for (let i = 0; i < dW.length; i++) W[l - 1][i] -= lr * dW[i];
      if (dA) {
        const Ap = A[l - 1];
        for (let i = 0; i < dA.length; i++) dA[i] *= Ap[i] * (1 - Ap[i]);
        dZl = dA;
      }
    }
  }
  return { losses: [losses[0], losses[1]] };
}

// ---------------------------------------------------------------------------------------------
// W3: a chain of elementwise ops on a 16-element vector; tape overhead per op.

export const CHAIN_OPS = 2000;
export const CHAIN_SIZE = 16;

export interface ChainData {
  ops: number;
  x: Float32Array;
  /** The constant tensor of the multiplies, in [3.95, 4): with add of −c/2, σ(c·x − c/2) has a stable
   * fixed point at x = 1/2 with slope c/4 just under 1, so the gradient through 2000 ops stays in
   * about [1e-6, 1] instead of vanishing (c < 3.9) or exploding (c > 4). */
  c: Float32Array;
  d: Float32Array;
}

export function chainData(ops = CHAIN_OPS, size = CHAIN_SIZE): ChainData {
  const g = stream(`W3 chain ops=${ops} size=${size}`);
  const x = g.floats(size, 0, 1);
  const c = g.floats(size, 3.95, 4);
  const d = c.map((v) => -v / 2);
  return { ops, x, c, d };
}

/** Op i of the chain: multiply by c, add d, sigmoid, in turn. */
export const chainOp = (i: number): 'mul' | 'add' | 'sigmoid' => (['mul', 'add', 'sigmoid'] as const)[i % 3];

/** d(Σ chain(x))/dx in float64 by hand: the chain rule as a product of per-op local derivatives. */
export function chainReference(d: ChainData): { grad: number[] } {
  const grad: number[] = [];
  for (let e = 0; e < d.x.length; e++) {
    let v = d.x[e], dv = 1;
    for (let i = 0; i < d.ops; i++) {
      const op = chainOp(i);
      if (op === 'mul') {
        v *= d.c[e];
        dv *= d.c[e];
      } else if (op === 'add') v += d.d[e];
      else {
        v = 1 / (1 + Math.exp(-v));
        dv *= v * (1 - v);
      }
    }
    grad.push(dv);
  }
  return { grad };
}
