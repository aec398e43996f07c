import type { Machine } from './machine.js';
import type { RunConfig } from './protocol.js';
import { markdownTable, type Report } from './report.js';

export const BEGIN = '<!-- bench:begin (written by `pnpm bench --write-docs`; edit outside these markers) -->';
export const END = '<!-- bench:end -->';

const WORKLOADS = `- **W1** matmul \`C = A·B\`, square n×n, A and B uniform in [−1, 1); GFLOP/s = 2n³ / time. float64 only where the
  library has it (tfjs has none). tapegrad's thread rows set its thread count; peers' figures there are their own.
- **W2** one training step of the network [784, 256, 128, 10], examples as columns, batch m = 128: sigmoid
  hidden layers, linear output with softmax cross-entropy (mean), forward + backward + plain SGD update
  (lr 0.1) of every W and b.
- **W3** tape overhead: a chain of 2000 elementwise ops on a 16-element vector (multiply by a constant
  tensor, add a constant tensor, sigmoid, in turn), then sum, then the gradient with respect to the input;
  time per op.
- **W4** the demo's digits training ([64, 32, 10], Adam lr 0.01, batch 64, 100 epochs, every fifth example
  as the test set): seconds, and test accuracy.`;

/** The generated part of docs/benchmarks.md: how to rerun, the machine, the table and its notes. */
export function generatedSection(r: Report, m: Machine, cfg: Omit<RunConfig, 'lib'>, infos: Record<string, Record<string, string>>): string {
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
\`\`\`

Machine: ${m.cpu}, ${m.cores} logical cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}; ${m.date.slice(0, 16).replace('T', ' ')} UTC.
Each figure is the median of ${cfg.reps} timed repetitions after ${cfg.warmup} warm-up call(s); a repetition
repeats the call until it lasts at least ${cfg.minRepMs} ms. In parentheses: the speed ratio tapegrad ÷ peer on the
same row (×2 = tapegrad takes half the time). The machine is shared and noisy: compare figures within one run.

${markdownTable(r)}

${r.notes.map((n, i) => `${i + 1}. ${n}`).join('\n')}

Libraries as run:
${libs}

Every library gets the same data, built in plain JavaScript from one seeded generator, and before a figure is
reported the bench checks it against a float64 reference computed by hand: W1's C at 16 sampled entries,
W2's loss before and after one step (so every library starts from the same loss), W3's gradient.
${r.mismatches.length ? `\n**Disagreements in this run:**\n${r.mismatches.map((s) => `- ${s}`).join('\n')}\n` : 'In this run every figure shown passed that check.'}

### Workloads

${WORKLOADS}

${END}`;
}

/** The whole file: a title, the generated section, and whatever was written outside the markers before. */
export function benchmarksDoc(previous: string | null, section: string): string {
  if (previous !== null) {
    const a = previous.indexOf(BEGIN), b = previous.indexOf(END);
    if (a >= 0 && b > a) return previous.slice(0, a) + section + previous.slice(b + END.length);
  }
  return `# Benchmarks

tapegrad against TensorFlow.js (tfjs-core with the cpu backend, and with the wasm backend's SIMD build) and
jax-js (eager, and under \`jit\`), on the same four workloads, one child process per library, with
\`pnpm bench\` (packages/bench).

${section}
`;
}
