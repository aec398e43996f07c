/**
 * The paths from a loss back to one tensor through the recorded ops, for `explain`. A path is the
 * chain of (node, input index) steps the sweep's cotangent travels; an op that uses the tensor twice
 * (x·x) gives two paths, as its two contributions are added.
 */
import { collect, type Node } from '../tape.js';
import type { Tensor } from '../tensor.js';

/** One step back: from `node`'s output to its input number `input`, the tensor `to`. */
export interface Step {
  readonly node: Node;
  readonly input: number;
  readonly to: Tensor;
}

/**
 * Up to `limit` paths from `loss` to `param` (in input order, first input first) and how many there
 * are in all (a number that may exceed what could be listed: paths multiply through fan-out).
 * Iterative, as every walk over the graph here.
 */
export function findPaths(loss: Tensor, param: Tensor, limit: number): { paths: Step[][]; count: number } {
  // count[node] = number of paths from node's output to param, in recording order (inputs first)
  const count = new Map<Node, number>();
  const pathsFrom = (t: Tensor): number => (t === param ? 1 : t.node !== null ? (count.get(t.node) ?? 0) : 0);
  for (const n of collect([loss]).nodes) {
    if (n.output === param) continue;
    let c = 0;
    for (const t of n.inputs) c += pathsFrom(t);
    if (c > 0) count.set(n, c);
  }
  // Partial paths share their prefixes (each frame points at the one before), so a long chain costs
  // one frame a step, not a copy of the path so far.
  type Frame = { readonly t: Tensor; readonly step: Step | null; readonly prev: Frame | null };
  const paths: Step[][] = [];
  const stack: Frame[] = [{ t: loss, step: null, prev: null }];
  while (stack.length > 0 && paths.length < limit) {
    const frame = stack.pop()!;
    if (frame.t === param) {
      const steps: Step[] = [];
      for (let f: Frame | null = frame; f !== null && f.step !== null; f = f.prev) steps.push(f.step);
      paths.push(steps.reverse());
      continue;
    }
    const node = frame.t.node!;
    for (let j = node.inputs.length - 1; j >= 0; j--) {
      const to = node.inputs[j];
      if (pathsFrom(to) > 0) stack.push({ t: to, step: { node, input: j, to }, prev: frame });
    }
  }
  return { paths, count: pathsFrom(loss) };
}
