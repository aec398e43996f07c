import * as core from '@tapegrad/core';
import { cholesky, conv2d, einsum, logSoftmax, matmul, noGrad, sigmoid, solve, tensor, valueAndGrad, vjp, type Tensor } from '@tapegrad/core';
import { Adam, Dense, Sequential, fit, predict, softmaxCrossEntropy } from '@tapegrad/nn';
import type { ConvData } from '../conv.js';
import { chainOp, type ChainData, type MatmulData, type MlpData } from '../data.js';
import { accuracyOf, DIGITS_SHUFFLE_SEED, type DigitsData } from '../digits.js';
import type { BilinearData, SolveData } from '../linalg.js';
import type { Library } from './library.js';

/** Parts of core's API that come with its fast kernels; looked up at run time so the bench also runs
 * a core without them. */
interface CoreExtras {
  backend?: () => { kernels: string; threads: number; relaxedSimd?: boolean };
  setNumThreads?: (n: number) => void;
}

/** tapegrad through its public API, with whatever kernels core has made active. */
export function tapegrad(version: string): Library {
  const extras = core as unknown as CoreExtras;
  const info: Record<string, string> = { version };
  const active = typeof extras.backend === 'function' ? extras.backend() : null;
  info.backend = active ? `${active.kernels} kernels` : 'js kernels (core has no backend())';
  info.threads = active ? `${active.threads} by default` : '1';
  info.relaxedSimd = String(active?.relaxedSimd ?? false); // true: the gemm uses fused multiply-add
  return {
    info,

    matmul(d: MatmulData, dtype) {
      const A = tensor(d.A, { shape: [d.n, d.n], dtype });
      const B = tensor(d.B, { shape: [d.n, d.n], dtype });
      return () => matmul(A, B).data;
    },

    mlpStep(d: MlpData) {
      const { sizes, m, lr } = d;
      const L = sizes.length - 1;
      const X = tensor(d.X, { shape: [sizes[0], m] });
      const Y = tensor(d.Y, { shape: [sizes[L], m] });
      type Params = { W: Tensor; b: Tensor }[];
      let params: Params = d.W.map((W, l) => ({
        W: tensor(W, { shape: [sizes[l + 1], sizes[l]] }),
        b: tensor(d.b[l], { shape: [sizes[l + 1], 1] }),
      }));
      // L = −(1/m) Σ Y ⊙ logsoftmax(Z[L]) over the classes (axis 0: examples are columns)
      const loss = (ps: Params): Tensor => {
        let A = X;
        ps.forEach((p, l) => {
          const Z = matmul(p.W, A).add(p.b);
          A = l < L - 1 ? sigmoid(Z) : Z;
        });
        return Y.mul(logSoftmax(A, 0)).sum().mul(-1 / m);
      };
      const step = valueAndGrad(loss);
      return () => {
        const [value, grads] = step(params) as [Tensor, Params];
        params = noGrad(() => params.map((p, l) => ({ W: p.W.sub(grads[l].W.mul(lr)), b: p.b.sub(grads[l].b.mul(lr)) })));
        return value.item();
      };
    },

    chainGrad(d: ChainData) {
      const c = tensor(d.c), dd = tensor(d.d);
      const f = (x: Tensor): Tensor => {
        for (let i = 0; i < d.ops; i++) {
          const op = chainOp(i);
          x = op === 'mul' ? x.mul(c) : op === 'add' ? x.add(dd) : x.sigmoid();
        }
        return x.sum();
      };
      const g = core.grad(f);
      const x = tensor(d.x);
      return () => (g(x) as Tensor).data;
    },

    digits(d: DigitsData, epochs: number) {
      const [n0, n1, n2] = d.sizes;
      const x = tensor(d.xTrain, { shape: [n0, d.mTrain] });
      const y = tensor(Float32Array.from(d.yTrain)); // class indices, [m]
      const xTest = tensor(d.xTest, { shape: [n0, d.mTest] });
      return () => {
        const model = new Sequential(new Dense(n0, n1, { activation: 'sigmoid' }), new Dense(n1, n2, { activation: 'linear' }));
        model.setParameters([
          ['layers.0.W', tensor(d.W[0], { shape: [n1, n0] })],
          ['layers.0.b', tensor(d.b[0], { shape: [n1, 1] })],
          ['layers.1.W', tensor(d.W[1], { shape: [n2, n1] })],
          ['layers.1.b', tensor(d.b[1], { shape: [n2, 1] })],
        ]);
        const losses: number[] = [];
        fit(model, { x, y }, {
          epochs, batchSize: d.batch, loss: softmaxCrossEntropy, optimizer: new Adam(model, { lr: d.lr }),
          seed: DIGITS_SHUFFLE_SEED, verbose: 0,
          callbacks: { onBatchEnd: (_b, logs) => void (losses.length < 2 && losses.push(logs.loss)) },
        });
        const logits = predict(model, xTest);
        return { accuracy: accuracyOf(logits.data, d.yTest, n2), losses: [losses[0], losses[1]] };
      };
    },

    conv(d: ConvData) {
      const { batch, cin, cout, size, kernel, out } = d;
      const x = tensor(d.x, { shape: [batch, cin, size, size] });
      const w = tensor(d.w, { shape: [cout, cin, kernel, kernel] });
      const b = tensor(d.b, { shape: [cout] });
      const G = tensor(d.G, { shape: [batch, cout, out, out] });
      const layer = (x: Tensor, w: Tensor, b: Tensor): Tensor => conv2d(x, w, { bias: b, padding: d.padding });
      return () => {
        const [y, back] = vjp(layer, x, w, b);
        const [dx, dW, db] = back(G);
        return { layout: 'NCHW', y: y.data, dx: dx.data, dW: dW.data, db: db.data };
      };
    },

    solve(d: SolveData) {
      const A = tensor(Float64Array.from(d.A), { shape: [d.n, d.n], dtype: 'float64' });
      const B = tensor(Float64Array.from(d.B), { shape: [d.n, d.rhs], dtype: 'float64' });
      return () => solve(A, B).data;
    },

    cholesky(d: SolveData) {
      const A = tensor(Float64Array.from(d.A), { shape: [d.n, d.n], dtype: 'float64' });
      return () => cholesky(A).data;
    },

    bilinear(d: BilinearData) {
      const f64 = (v: Float32Array, shape: number[]): Tensor => tensor(Float64Array.from(v), { shape, dtype: 'float64' });
      const x = f64(d.x, [d.batch, d.n]), W = f64(d.W, [d.n, d.n]), y = f64(d.y, [d.batch, d.n]);
      return () => einsum('bi,ij,bj->b', x, W, y).data;
    },

    setThreads: typeof extras.setNumThreads === 'function' ? (n) => extras.setNumThreads!(n ?? active?.threads ?? 1) : undefined,
  };
}
