import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ConvData } from '../src/conv.js';
import { chainOp, type ChainData, type MatmulData, type MlpData } from '../src/data.js';
import { accuracyOf, batchOrder, type DigitsData } from '../src/digits.js';
import type { BilinearData, SolveData } from '../src/linalg.js';
import type { Library } from '../src/libs/library.js';

/**
 * jax-js on its wasm device, eagerly or with every workload's function under `jit` (compiled on the
 * first call, which the warm-up absorbs; its time is reported as `firstCallSeconds`). jax-js counts
 * references by hand: every argument passed is consumed, so an array used again is passed as `.ref`,
 * and `dataSync()` consumes the array it reads.
 */
export async function jaxjs(mode: 'eager' | 'jit'): Promise<Library> {
  const jax = await import('@jax-js/jax');
  const { numpy: np, nn, tree, lax } = jax;
  type Arr = InstanceType<typeof jax.numpy.Array>;
  const devices = await jax.init('wasm'); // the default init also probes WebGPU, which Node lacks
  jax.defaultDevice('wasm');
  // The package's exports hide its package.json: find it next to the resolved entry (dist/index.cjs).
  const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  const info: Record<string, string> = {
    version: pkg.version,
    backend: `${jax.defaultDevice()} (devices: ${devices.join(', ')})`,
    mode,
    // jax-js's wasm thread pool is made of Web Workers, a global Node 20 does not have.
    threads: typeof (globalThis as { Worker?: unknown }).Worker === 'function' ? 'Web Workers' : '1 (no Web Worker in Node)',
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const wrap = <F extends (...args: any[]) => any>(f: F): F => (mode === 'jit' ? (jax.jit(f) as unknown as F) : f);
  // np.array(Float64Array) throws in Node 20 (see matmul): float64 arrays are widened from float32 data
  const f64 = (x: Float32Array, shape: number[]): Arr => np.array(x).reshape(shape).astype(np.float64);

  return {
    info,

    matmul(d: MatmulData, dtype) {
      // np.array(Float64Array) throws in Node 20 (jax-js tests `instanceof Float16Array` first, which
      // Node 20 lacks), so float64 is made by widening the float32 data: the same values.
      const load = (x: Float32Array): Arr => {
        const a = np.array(x).reshape([d.n, d.n]);
        return dtype === 'float64' ? a.astype(np.float64) : a;
      };
      const A = load(d.A), B = load(d.B);
      const mm = wrap((a: Arr, b: Arr) => np.matmul(a, b));
      return () => mm(A.ref, B.ref).dataSync();
    },

    mlpStep(d: MlpData) {
      const { sizes, m, lr } = d;
      const L = sizes.length - 1;
      const X = np.array(d.X).reshape([sizes[0], m]);
      const Y = np.array(d.Y).reshape([sizes[L], m]);
      type Params = { W: Arr; b: Arr }[];
      let params: Params = d.W.map((W, l) => ({
        W: np.array(W).reshape([sizes[l + 1], sizes[l]]),
        b: np.array(d.b[l]).reshape([sizes[l + 1], 1]),
      }));
      // L = −(1/m) Σ Y ⊙ logsoftmax(Z[L]) over the classes (axis 0: examples are columns)
      const loss = (ps: Params, x: Arr, y: Arr): Arr => {
        let A = x;
        ps.forEach((p, l) => {
          const Z = np.matmul(p.W, A).add(p.b);
          A = l < L - 1 ? nn.sigmoid(Z) : Z;
        });
        return y.mul(nn.logSoftmax(A, 0)).sum().mul(-1 / m);
      };
      const step = wrap((ps: Params, x: Arr, y: Arr): [Params, Arr] => {
        const [value, grads] = jax.valueAndGrad(loss)(tree.ref(ps), x, y) as unknown as [Arr, Params];
        const next = ps.map((p, l) => ({ W: p.W.sub(grads[l].W.mul(lr)), b: p.b.sub(grads[l].b.mul(lr)) }));
        return [next, value];
      });
      // Reading the loss forces this step's forward and backward; its update is realized by the next
      // step's forward, so over repeated calls each timed step pays for one update.
      return () => {
        const [next, value] = step(params, X.ref, Y.ref);
        params = next;
        return value.dataSync()[0];
      };
    },

    chainGrad(d: ChainData) {
      const c = np.array(d.c), dd = np.array(d.d), x = np.array(d.x);
      const f = (v: Arr): Arr => {
        for (let i = 0; i < d.ops; i++) {
          const op = chainOp(i);
          v = op === 'mul' ? v.mul(c.ref) : op === 'add' ? v.add(dd.ref) : nn.sigmoid(v);
        }
        return v.sum();
      };
      const g = wrap(jax.grad(f) as unknown as (v: Arr) => Arr);
      return () => g(x.ref).dataSync();
    },

    digits(d: DigitsData, epochs: number) {
      const [n0, n1, n2] = d.sizes;
      const lr = d.lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
      const logits = (ps: Arr[], x: Arr): Arr => {
        const [W1, b1, W2, b2] = ps;
        return np.matmul(W2, nn.sigmoid(np.matmul(W1, x).add(b1))).add(b2);
      };
      const loss = (ps: Arr[], x: Arr, y: Arr): Arr => {
        const m = y.shape[1];
        return y.mul(nn.logSoftmax(logits(ps, x), 0)).sum().mul(-1 / m);
      };
      // Adam, as PyTorch and tfjs do it: p −= lr·(m/c1) / (√(v/c2) + ε), with c = 1 − βᵗ passed in as 1/c
      const step = wrap((ps: Arr[], ms: Arr[], vs: Arr[], inv1: Arr, inv2: Arr, x: Arr, y: Arr): [Arr[], Arr[], Arr[], Arr] => {
        const [value, g] = jax.valueAndGrad(loss)(tree.ref(ps), x, y) as unknown as [Arr, Arr[]];
        const ms2 = ms.map((m, i) => m.mul(beta1).add(g[i].ref.mul(1 - beta1)));
        const vs2 = vs.map((v, i) => v.mul(beta2).add(g[i].ref.mul(g[i]).mul(1 - beta2)));
        const ps2 = ps.map((p, i) => p.sub(ms2[i].ref.mul(inv1.ref).mul(lr).div(np.sqrt(vs2[i].ref.mul(inv2.ref)).add(eps))));
        inv1.dispose();
        inv2.dispose();
        return [ps2, ms2, vs2, value];
      });
      return () => {
        let ps: Arr[] = [
          np.array(d.W[0]).reshape([n1, n0]), np.array(d.b[0]).reshape([n1, 1]),
          np.array(d.W[1]).reshape([n2, n1]), np.array(d.b[1]).reshape([n2, 1]),
        ];
        let ms = ps.map((p) => np.zeros(p.shape)), vs = ps.map((p) => np.zeros(p.shape));
        const order = batchOrder(d);
        const losses: number[] = [];
        let t = 0;
        for (let e = 0; e < epochs; e++) {
          for (const batch of order(e)) {
            t++;
            const x = np.array(batch.x).reshape([n0, batch.size]), y = np.array(batch.y).reshape([n2, batch.size]);
            const out = step(ps, ms, vs, np.array(1 / (1 - beta1 ** t)), np.array(1 / (1 - beta2 ** t)), x, y);
            [ps, ms, vs] = out;
            // Reading each step's loss (as fit does) makes jax-js run the step now; left unread, the
            // lazy steps pile up and each dispatch gets slower.
            const value = out[3].dataSync()[0];
            if (losses.length < 2) losses.push(value);
          }
        }
        const accuracy = accuracyOf(logits(ps, np.array(d.xTest).reshape([n0, d.mTest])).dataSync(), d.yTest, n2);
        tree.dispose([ms, vs]);
        return { accuracy, losses: [losses[0], losses[1]] };
      };
    },

    conv(d: ConvData) {
      const { batch, cin, cout, size, kernel, out, padding: p } = d;
      const x = np.array(d.x).reshape([batch, cin, size, size]);
      const w = np.array(d.w).reshape([cout, cin, kernel, kernel]);
      const b = np.array(d.b).reshape([cout, 1, 1]);
      const G = np.array(d.G).reshape([batch, cout, out, out]);
      const layer = (x: Arr, w: Arr, b: Arr): Arr => lax.conv(x, w, [1, 1], [[p, p], [p, p]]).add(b);
      const step = wrap((x: Arr, w: Arr, b: Arr, G: Arr): Arr[] => {
        const [y, back] = jax.vjp(layer, [x, w, b]);
        const [dx, dW, db] = back(G) as Arr[];
        back.dispose();
        return [y, dx, dW, db];
      });
      return () => {
        const [y, dx, dW, db] = step(x.ref, w.ref, b.ref, G.ref).map((a) => a.dataSync());
        return { layout: 'NCHW' as const, y, dx, dW, db };
      };
    },

    solve(d: SolveData) {
      const A = f64(d.A, [d.n, d.n]), B = f64(d.B, [d.n, d.rhs]);
      const solve = wrap((A: Arr, B: Arr) => np.linalg.solve(A, B));
      return () => solve(A.ref, B.ref).dataSync();
    },

    cholesky(d: SolveData) {
      const A = f64(d.A, [d.n, d.n]);
      const cholesky = wrap((A: Arr) => np.linalg.cholesky(A));
      return () => cholesky(A.ref).dataSync();
    },

    bilinear(d: BilinearData) {
      const x = f64(d.x, [d.batch, d.n]), W = f64(d.W, [d.n, d.n]), y = f64(d.y, [d.batch, d.n]);
      // np.einsum('bi,ij,bj->b', …) parses its spec with Iterator helpers, which Node 20 lacks: the
      // same contraction in einsum's integer-list form (b = 0, i = 1, j = 2).
      const form = wrap((x: Arr, W: Arr, y: Arr) => np.einsum(x, [0, 1], W, [1, 2], y, [0, 2], [0]));
      return () => form(x.ref, W.ref, y.ref).dataSync();
    },
  };
}
