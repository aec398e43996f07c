// Issue 4's memory target: resident set size over many W2 training steps ([784, 256, 128, 10], m = 128,
// sigmoid hidden layers, softmax cross-entropy, plain SGD), printed every 2,000 steps. Flat means no
// tape, gradient or kernel buffer outlives its step. Run after a build:
//   pnpm --filter @tapegrad/bench exec node scripts/w2-memory.mjs [steps]
import * as tg from '@tapegrad/core';

const steps = Number(process.argv[2] ?? 10000);
const g = new tg.Generator(0);
const sizes = [784, 256, 128, 10], m = 128;
let params = [];
for (let l = 1; l < sizes.length; l++) params.push({ W: tg.randn([sizes[l], sizes[l - 1]], { generator: g, std: 0.05 }), b: tg.zeros([sizes[l], 1]) });
const X = tg.rand([784, m], { generator: g });
const Y = tg.tensor(Array.from({ length: m }, (_, i) => Array.from({ length: 10 }, (_, k) => (k === i % 10 ? 1 : 0)))); // [m, 10] one-hot
const loss = (ps) => {
  let A = X;
  ps.forEach((p, l) => {
    const Z = tg.matmul(p.W, A).add(p.b);
    A = l < ps.length - 1 ? tg.sigmoid(Z) : Z;
  });
  return tg.softmaxCrossEntropyWithLogits(A.T, Y).mean();
};
const step = tg.valueAndGrad(loss);
const rows = [];
const t0 = performance.now();
for (let s = 0; s <= steps; s++) {
  if (s % 2000 === 0) rows.push(`step ${String(s).padStart(6)}  rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  if (s === steps) break;
  const [, grads] = step(params);
  params = tg.noGrad(() => params.map((p, i) => ({ W: p.W.sub(grads[i].W.mul(0.1)), b: p.b.sub(grads[i].b.mul(0.1)) })));
}
console.log(rows.join('\n'));
console.log(`${steps} steps, ${((performance.now() - t0) / steps).toFixed(2)} ms/step`);
