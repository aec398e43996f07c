import { createRequire } from 'node:module';
import path from 'node:path';
import { chainOp, type ChainData, type MatmulData, type MlpData } from '../data.js';
import type { Library } from './library.js';

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
        let A: import('@tensorflow/tfjs-core').Tensor = X;
        for (let l = 0; l < L; l++) {
          const Z = tf.add(tf.matMul(W[l], A), b[l]);
          A = l < L - 1 ? tf.sigmoid(Z) : Z;
        }
        const logp = tf.sub(A, tf.logSumExp(A, 0, true));
        return tf.mul(tf.sum(tf.mul(Y, logp)), -1 / m) as import('@tensorflow/tfjs-core').Scalar;
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
      const f = (v: import('@tensorflow/tfjs-core').Tensor) => {
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

    digits() {
      return 'not wired yet';
    },
  };
}
