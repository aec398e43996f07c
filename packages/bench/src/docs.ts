import type { Machine } from './machine.js';
import type { RunConfig } from './protocol.js';
import { markdownTable, type Report } from './report.js';
import { targets, targetsMarkdown } from './targets.js';

export const BEGIN = '<!-- bench:begin (written by `pnpm bench --write-docs`; edit outside these markers) -->';
export const END = '<!-- bench:end -->';

const workloads = (cfg: Omit<RunConfig, 'lib'>, c = cfg.conv): string => `- **W1** matmul \`C = A·B\`, square n×n, A and B uniform in [−1, 1); GFLOP/s = 2n³ / time. float64 only where the
  library has it (tfjs has none). tapegrad's thread rows set its thread count; peers' figures there are their own.
- **W2** one training step of the network [784, 256, 128, 10], examples as columns, batch m = 128: sigmoid
  hidden layers, linear output with softmax cross-entropy (mean), forward + backward + plain SGD update
  (lr 0.1) of every W and b. tapegrad's rows set its thread count, as in W1.
- **W3** tape overhead: a chain of 2000 elementwise ops on a 16-element vector (multiply by a constant
  tensor, add a constant tensor, sigmoid, in turn), then sum, then the gradient with respect to the input;
  time per op.
- **W4** the demo's digits training ([64, 32, 10], sigmoid hidden layer, softmax cross-entropy, Adam lr 0.01,
  batch 64, 100 epochs, every fifth example as the test set, pixels / 16): seconds for the whole training, and
  test accuracy. tapegrad runs it through @tapegrad/nn (\`Sequential\`, \`Dense\`, \`fit\`, \`Adam\`); the peers run the
  same loop written in their own API (tfjs with \`tf.train.adam\`, jax-js with Adam by hand), on the same batches.
- **W5** one \`Conv2d\` layer, forward and backward: x [${c.batch}, ${c.cin}, ${c.size}, ${c.size}] (batch, channels, height, width), a
  ${c.kernel}×${c.kernel} kernel to ${c.cout} channels with padding ${c.padding}, float32; one call computes y = conv2d(x, w) + b and, for a fixed
  cotangent G of y's shape, all three gradients dx, dW and db (a vector–Jacobian product, as in a training
  step). tapegrad through core's \`conv2d\` and \`vjp\`, tfjs through \`tf.valueAndGrads\` in its own NHWC / HWIO
  layout (the data are transposed before timing), jax-js through \`lax.conv\` and \`vjp\`, PyTorch through
  \`F.conv2d\` and \`torch.autograd.grad\`. tapegrad's rows set its thread count, as in W1.
- **W6** float64 linear algebra: \`solve(A, B)\` with ${cfg.linalg.rhs} right-hand sides and \`cholesky(A)\` for n = ${cfg.linalg.sizes.join(', ')}
  (A = M·Mᵀ/n + I, symmetric positive definite, condition number below 3), and \`einsum('bi,ij,bj->b', x, W, y)\`,
  a batched bilinear form, for batch = ${cfg.linalg.bilinear.batch}, n = ${cfg.linalg.bilinear.n}. tfjs has no float64 and no solve or Cholesky: its cells say so.
  jax-js gets each string-spec \`einsum\` in its integer-list form (its parser needs Iterator helpers, which Node 20
  lacks).
- **mem** resident memory over ${cfg.memSteps.toLocaleString('en-US')} W2 steps in the library's own child process, run first: the process's peak
  RSS (the runtime and library included, so not comparable across languages) and the growth of RSS after the
  first tenth of the steps, which stays near zero when no tape, gradient or buffer outlives its step. A library
  whose steps would take more than ${cfg.memBudget} s is not run.

### How the peers are run

- **tfjs-cpu**, **tfjs-wasm**: \`@tensorflow/tfjs-core\` with \`@tensorflow/tfjs-backend-cpu\` or
  \`@tensorflow/tfjs-backend-wasm\` (its SIMD build, XNNPACK; the \`.wasm\` files are read from the npm package,
  nothing is downloaded), and \`@tensorflow/tfjs\` loaded for its gradient functions (tfjs-core alone registers
  none). The wasm backend runs one thread in Node. Results are forced with \`dataSync()\`.
- **jax-js**, **jax-js-jit**: \`@jax-js/jax\` on its wasm device, eagerly, and with each workload's function
  under \`jit\` (compiled on the first call, which is not in the median; the notes give its time). One thread in
  Node (its thread pool is made of Web Workers, which Node lacks). The eager tape needs
  \`node --stack-size=4000\` for W3's 2000-op chain, which the bench passes to its child process. float64
  arrays are made with \`astype\` (in Node 20, \`np.array(Float64Array)\` throws on the missing \`Float16Array\`).
  Results are forced with \`dataSync()\`.
- **tapegrad** runs through its public API from the built packages, with the kernels core makes active
  (\`backend()\` is printed under the table); where core lets the thread count be set, W1, W2 and W5 are run at 1
  and at 2 threads, and everything else at the default.
- **tapegrad-fma** is tapegrad again with its fused multiply-add gemm (WebAssembly relaxed SIMD,
  \`f32x4.relaxed_madd\`), on one thread and on the gemm-bound workloads only (W1, W2, W5). Node 20 has relaxed
  SIMD behind \`--experimental-wasm-relaxed-simd\`, which the bench gives this child (and itself, to measure the
  relaxed ceiling); the tapegrad column runs without it, on the mul + add kernels users of Node 20 get. Chromium
  has relaxed SIMD by default, so the fused path is what browser users get.
- **pytorch** (optional): \`peers/torch_peer.py\` in the first Python among \`$TAPEGRAD_PYTHON\`, \`/usr/bin/python3\`
  and \`python3\` that can \`import torch\` (the bench never installs it; without one its cells say so), with
  \`torch.set_num_threads(1)\` and one OpenMP/BLAS thread. It gets the same data as the JavaScript children, over
  its stdin, and is timed the same way in Python (\`time.perf_counter\`). W4 is \`nn.Sequential\` of two
  \`nn.Linear\` with \`torch.optim.Adam\` and \`F.cross_entropy\` on the same batches.`;

/** The generated part of docs/benchmarks.md: how to rerun, the machine, the table and its notes. */
export function generatedSection(r: Report, m: Machine, cfg: Omit<RunConfig, 'lib'>, infos: Record<string, Record<string, string>>, rounds = 1): string {
  const libs = Object.entries(infos)
    .map(([lib, info]) => `- **${lib}**: ${Object.entries(info).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    .join('\n');
  return `${BEGIN}

## Latest run

Rerun it from the repository root (builds the packages first, then runs one child process per library):

\`\`\`sh
pnpm install
pnpm bench                 # prints the table, writes packages/bench/results/latest.json
pnpm bench --write-docs    # also rewrites this section
pnpm bench --reps 20 --only tapegrad,tfjs-wasm --workloads W1,W2
pnpm bench --only tapegrad,pytorch --workloads W5,W6
TAPEGRAD_PYTHON=/path/to/python pnpm bench   # the Python whose torch is the PyTorch peer
pnpm bench --rounds 3       # each figure the best of three rounds' medians (less sensitive to load)
\`\`\`

Machine: ${m.cpu}, ${m.cores} logical cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}; ${m.date.slice(0, 16).replace('T', ' ')} UTC;
1-minute load average ${m.load.map((l) => l.toFixed(1)).join(' at the start, ')} at the end (above ${m.cores}, other processes competed
for the cores and every figure is lower than on an idle machine).

Each figure is the ${rounds > 1 ? `best, over ${rounds} rounds that ran the libraries in turn, of the ` : ''}median of ${cfg.reps} timed repetitions after a checked first call and ${cfg.warmup} warm-up call(s); a
repetition repeats the call until it lasts at least ${cfg.minRepMs} ms. W4, where one call is a whole training run, is
the median of ${cfg.digitsReps} runs after the checked one. A case whose repetitions would take more than ${cfg.caseBudget} s is
timed by its ${cfg.warmup} warm-up calls only, one whose first call takes more than half that by that call alone (their notes
say so), and a W4 run that would take more than ${cfg.digitsBudget} s, judged from one
epoch, is not run (its note gives that epoch's time). In parentheses: the speed
ratio tapegrad ÷ peer on the same row (×2 = tapegrad takes half the time). The machine is shared and noisy:
compare figures within one run.

${markdownTable(r)}

${r.notes.map((n, i) => `${i + 1}. ${n}`).join('\n')}

Libraries as run:
${libs}

Every library gets the same data, built in plain JavaScript from one seeded generator, and before a figure is
reported the bench checks it against a float64 reference computed by hand: W1's C at 16 sampled entries,
W2's loss before and after one step (so every library starts from the same loss), W3's gradient, W4's
losses on the first two batches (before and after the first Adam step) and its test accuracy (within
2 points of a float64 run of the same training: same initial weights, same batches in the same order),
W5's y, dx, dW and db at 8 sampled entries each, W6's X and L (entries above the diagonal included) at 16
sampled entries to 1e-10 of their largest entry, so that an answer computed in float32 fails, and the einsum's
values to the rounding bound of a float64 sum.
${r.mismatches.length ? `\n**Disagreements in this run:**\n${r.mismatches.map((s) => `- ${s}`).join('\n')}\n` : 'In this run every figure shown passed that check.'}

### Targets (issues 13, 10 and 11), judged from this run

Every target compares figures of this run: PyTorch's where the run has them (otherwise the target is not
judged), and the WebAssembly SIMD ceiling measured by the bench itself.

${targetsMarkdown(targets(r.figures, cfg.matmulSizes))}

${m.load.some((l) => l > m.cores) ? `The load average was above the core count during this run, so these figures understate every library. ` : ''}Where a
target is not met, the gap and its cause are discussed below the generated section.

### Workloads

${workloads(cfg)}

${END}`;
}

/** The whole file: a title, the generated section, and whatever was written outside the markers before. */
export function benchmarksDoc(previous: string | null, section: string): string {
  if (previous !== null) {
    const a = previous.indexOf(BEGIN), b = previous.indexOf(END);
    if (a >= 0 && b > a) return previous.slice(0, a) + section + previous.slice(b + END.length);
  }
  return `# Benchmarks

tapegrad against TensorFlow.js (tfjs-core with the cpu backend, and with the wasm backend's SIMD build),
jax-js (eager, and under \`jit\`) and, where a Python can import it, PyTorch on one thread, on the same
workloads, one child process per library, with \`pnpm bench\` (packages/bench).

${section}
`;
}
