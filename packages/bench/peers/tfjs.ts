import { createRequire } from 'node:module';
import path from 'node:path';
import type { Scalar, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import type { ConvData } from '../src/conv.js';
import { chainOp, type ChainData, type MatmulData, type MlpData } from '../src/data.js';
import { accuracyOf, batchOrder, type DigitsData } from '../src/digits.js';
import type { Library } from '../src/libs/library.js';

/**
 * TensorFlow.js: tfjs-core with the cpu backend or the wasm backend (SIMD build, XNNPACK). The wasm
 * binaries are read from the npm package on disk, never downloaded. tfjs-core alone registers no
 * gradient functions, so @tensorflow/tfjs is loaded for them.
 */
export async function tfjs(backend: 'cpu' | 'wasm'): Promise<Library> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs'); // registers the gradients
  const require = createRequire(import.meta.url);
  const version = (name: string): string => (require(`${name}/package.json`) as { version: string }).version;
  const info: Record<string, string> = { version: version('@tensorflow/tfjs-core') };
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
    info.version = version('@tensorflow/tfjs-backend-wasm');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  info.backend = tf.getBackend();
  if (backend === 'wasm') {
    info.simd = String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
    info.threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi' : '1';
  } else {
    info.threads = '1';
  }

  return {
    info,

    matmul(d: MatmulData, dtype) {
      if (dtype !== 'float32') return 'no float64 in tfjs';
      const A = tf.tensor2d(d.A, [d.n, d.n]);
      const B = tf.tensor2d(d.B, [d.n, d.n]);
      return () => {
        const C = tf.matMul(A, B);
        const values = C.dataSync();
        C.dispose();
        return values;
      };
    },

    mlpStep(d: MlpData) {
      const { sizes, m, lr } = d;
      const L = sizes.length - 1;
      const X = tf.tensor2d(d.X, [sizes[0], m]);
      const Y = tf.tensor2d(d.Y, [sizes[L], m]);
      const W = d.W.map((w, l) => tf.variable(tf.tensor2d(w, [sizes[l + 1], sizes[l]])));
      const b = d.b.map((v, l) => tf.variable(tf.tensor2d(v, [sizes[l + 1], 1])));
      const vars = [...W, ...b];
      // L = −(1/m) Σ Y ⊙ (Z − logsumexp over the classes); tf.logSoftmax only works on the last axis
      const loss = () => {
        let A: Tensor = X;
        for (let l = 0; l < L; l++) {
          const Z = tf.add(tf.matMul(W[l], A), b[l]);
          A = l < L - 1 ? tf.sigmoid(Z) : Z;
        }
        const logp = tf.sub(A, tf.logSumExp(A, 0, true));
        return tf.mul(tf.sum(tf.mul(Y, logp)), -1 / m) as Scalar;
      };
      return () => {
        const value = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(loss, vars);
          for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
          return value;
        });
        const out = value.dataSync()[0];
        value.dispose();
        return out;
      };
    },

    chainGrad(d: ChainData) {
      const c = tf.tensor1d(d.c), dd = tf.tensor1d(d.d), x = tf.tensor1d(d.x);
      const f = (v: Tensor) => {
        for (let i = 0; i < d.ops; i++) {
          const op = chainOp(i);
          v = op === 'mul' ? tf.mul(v, c) : op === 'add' ? tf.add(v, dd) : tf.sigmoid(v);
        }
        return tf.sum(v);
      };
      const g = tf.grad(f);
      return () => {
        const dx = tf.tidy(() => g(x));
        const values = dx.dataSync();
        dx.dispose();
        return values;
      };
    },

    digits(d: DigitsData, epochs: number) {
      const [n0, n1, n2] = d.sizes;
      const xTest = tf.tensor2d(d.xTest, [n0, d.mTest]);
      return () => {
        const W = d.W.map((w, l) => tf.variable(tf.tensor2d(w, [d.sizes[l + 1], d.sizes[l]])));
        const b = d.b.map((v, l) => tf.variable(tf.tensor2d(v, [d.sizes[l + 1], 1])));
        const vars = [W[0], b[0], W[1], b[1]];
        const logits = (x: Tensor): Tensor => tf.add(tf.matMul(W[1], tf.sigmoid(tf.add(tf.matMul(W[0], x), b[0]))), b[1]);
        const optimizer = tf.train.adam(d.lr, 0.9, 0.999, 1e-8);
        const order = batchOrder(d);
        const losses: number[] = [];
        for (let e = 0; e < epochs; e++) {
          for (const batch of order(e)) {
            const loss = tf.tidy(() => {
              const x = tf.tensor2d(batch.x, [n0, batch.size]), y = tf.tensor2d(batch.y, [n2, batch.size]);
              return optimizer.minimize(() => {
                const Z = logits(x);
                return tf.mul(tf.sum(tf.mul(y, tf.sub(Z, tf.logSumExp(Z, 0, true)))), -1 / batch.size) as Scalar;
              }, true, vars) as Scalar;
            });
            if (losses.length < 2) losses.push(loss.dataSync()[0]);
            loss.dispose();
          }
        }
        const Z = tf.tidy(() => logits(xTest));
        const accuracy = accuracyOf(Z.dataSync(), d.yTest, n2);
        Z.dispose();
        optimizer.dispose();
        for (const v of vars) v.dispose();
        return { accuracy, losses: [losses[0], losses[1]] };
      };
    },

    conv(d: ConvData) {
      // tf.conv2d's gradient with respect to the filter needs this kernel; tfjs-wasm 4.22 has none
      if (!tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) {
        return `tfjs-${backend} registers no Conv2DBackpropFilter kernel, so the gradient of conv2d with respect to its filter cannot be taken (tf.grads throws)`;
      }
      const { batch, cin, cout, size, kernel, out } = d;
      // tfjs's layouts, NHWC and HWIO: the data are transposed here, before timing
      const x = tf.transpose(tf.tensor4d(d.x, [batch, cin, size, size]), [0, 2, 3, 1]);
      const w = tf.transpose(tf.tensor4d(d.w, [cout, cin, kernel, kernel]), [2, 3, 1, 0]);
      const b = tf.tensor1d(d.b);
      const G = tf.transpose(tf.tensor4d(d.G, [batch, cout, out, out]), [0, 2, 3, 1]);
      const layer = tf.valueAndGrads((x: Tensor, w: Tensor, b: Tensor) => tf.add(tf.conv2d(x as Tensor4D, w as Tensor4D, 1, d.padding), b));
      return () => {
        const { value, grads } = tf.tidy(() => layer([x, w, b], G));
        const [y, dx, dW, db] = [value, ...grads].map((t) => {
          const values = t.dataSync();
          t.dispose();
          return values;
        });
        return { layout: 'NHWC' as const, y, dx, dW, db };
      };
    },

    solve: () => NO_LINALG,
    cholesky: () => NO_LINALG,
    bilinear: () => 'no float64 in tfjs (tf.einsum exists, in float32 only)',
  };
}

const NO_LINALG = 'no float64 in tfjs, and no solve or cholesky (tf.linalg has only qr, gramSchmidt and bandPart)';
