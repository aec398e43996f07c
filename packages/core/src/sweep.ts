import type { DType } from './dtype.js';
import { ShapeError, TapegradError, fmtShape } from './errors.js';
import { filled, sameShape } from './shape.js';
import { checkBackward, isAnomalyEnabled, setSweeping } from './anomaly.js';
import { noticeGrowth } from './growth.js';
import { anyHooks, runHooks } from './hooks.js';
import { collect, nextEpoch, noGrad, withGrad, type Node } from './tape.js';
import type { Tensor } from './tensor.js';

/**
 * The reverse-mode sweep, in the four steps docs/tape.md describes: collect → mark → sweep → fit.
 * It imports no op: the three it needs to accumulate and fit cotangents come in as `SweepOps`.
 */
export interface SweepOps {
  add(a: Tensor, b: Tensor): Tensor;
  /** Sums g down to `shape`, undoing a broadcast. */
  sumToShape(g: Tensor, shape: readonly number[]): Tensor;
  astype(x: Tensor, dtype: DType): Tensor;
}

/** Which tensors a sweep wants gradients for, and which lie on a path from them. */
interface Marks {
  readonly epoch: number;
  /** True when relevant means requiresGrad (every tracked leaf is a target and every target is tracked). */
  readonly byRequiresGrad: boolean;
  /** Targets that are leaves (the others are stamped on their nodes). */
  readonly leafTargets: ReadonlySet<Tensor>;
  readonly wanted: readonly Tensor[];
}

/** Cotangents of leaves (node outputs keep theirs on the node). */
type LeafCotangents = Map<Tensor, Tensor>;

let sweeping = false;

/**
 * The gradient of Σ ⟨seed_i, root_i⟩ with respect to each target: a Map from target to gradient;
 * targets that no root depends on are absent. With `createGraph` the VJPs are recorded, so the result
 * can be differentiated again.
 */
export function gradients(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  targets: ReadonlySet<Tensor> | 'leaves',
  createGraph: boolean,
  ops: SweepOps,
): Map<Tensor, Tensor> {
  if (sweeping) throw new TapegradError('backward', 'a backward pass cannot start inside another one (from within a VJP rule or hook)');
  const { nodes, leaves } = collect(roots);
  noticeGrowth(nodes);
  const marks = mark(nodes, leaves, targets);
  const leafCts: LeafCotangents = new Map();
  sweeping = true;
  setSweeping(true);
  let swept = false;
  try {
    const run = () => sweep(nodes, roots, seeds, marks, leafCts, ops);
    if (createGraph) withGrad(run);
    else noGrad(run);
    const grads = new Map<Tensor, Tensor>();
    const finish = () => {
      for (const t of marks.wanted) {
        const g = t.node !== null ? t.node.cotangent : leafCts.get(t);
        // a leaf's hooks run on its finished gradient (a node output's ran when the sweep reached it)
        if (g != null) grads.set(t, t.node === null && anyHooks() ? runHooks(t, g) : g);
      }
    };
    if (createGraph) withGrad(finish);
    else noGrad(finish);
    swept = true;
    return grads;
  } finally {
    sweeping = false;
    setSweeping(false);
    // A completed sweep has dropped every cotangent but the targets'; one cut short may have left any.
    if (swept) {
      for (const t of marks.wanted) if (t.node !== null) t.node.cotangent = null;
    } else {
      for (const n of nodes) n.cotangent = null;
    }
  }
}

/**
 * Mark: stamp the targets, then the tensors a target flows into. When every tracked leaf is a target
 * and every target is tracked — always for backward(), and for grad unless the function closes over
 * tracked tensors — relevant is simply requiresGrad and nothing more is stamped.
 */
function mark(nodes: readonly Node[], leaves: readonly Tensor[], targets: ReadonlySet<Tensor> | 'leaves'): Marks {
  const epoch = nextEpoch();
  const leafTargets = targets === 'leaves' ? new Set(leaves) : new Set<Tensor>();
  const wanted: Tensor[] = targets === 'leaves' ? [...leafTargets] : [];
  let byRequiresGrad = true;
  if (targets !== 'leaves') {
    for (const t of targets) {
      if (!t.requiresGrad) byRequiresGrad = false;
      if (t.node !== null) t.node.target = t.node.relevant = epoch;
      else leafTargets.add(t);
      wanted.push(t);
    }
    for (const t of leaves) if (!leafTargets.has(t)) byRequiresGrad = false;
  }
  if (!byRequiresGrad) {
    for (const n of nodes) {
      if (n.relevant === epoch) continue;
      for (const t of n.inputs) {
        if (t.node !== null ? t.node.relevant === epoch : leafTargets.has(t)) {
          n.relevant = epoch;
          break;
        }
      }
    }
  }
  return { epoch, byRequiresGrad, leafTargets, wanted };
}

const isRelevant = (t: Tensor, m: Marks): boolean =>
  m.byRequiresGrad ? t.requiresGrad : t.node !== null ? t.node.relevant === m.epoch : m.leafTargets.has(t);

/**
 * Sweep: the nodes newest first; each applies its VJP to its output's cotangent and adds the results
 * to its inputs' (fan-out accumulates, as micrograd's `+=`). A node's cotangent is dropped as soon as
 * the node has used it, unless its output is a target.
 */
function sweep(
  nodes: readonly Node[], roots: readonly Tensor[], seeds: readonly Tensor[], m: Marks, leafCts: LeafCotangents, ops: SweepOps,
): void {
  const accumulate = (t: Tensor, g: Tensor) => {
    const n = t.node;
    if (n !== null) n.cotangent = n.cotangent === null ? g : ops.add(n.cotangent, g);
    else {
      const prev = leafCts.get(t);
      leafCts.set(t, prev === undefined ? g : ops.add(prev, g));
    }
  };
  for (let i = 0; i < roots.length; i++) if (isRelevant(roots[i], m)) accumulate(roots[i], seeds[i]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    let dy = node.cotangent;
    if (dy === null) continue;
    if (anyHooks()) dy = node.cotangent = runHooks(node.output, dy); // complete: every consumer is newer
    if (node.target !== m.epoch) node.cotangent = null; // used once, then dropped
    const inputs = node.inputs;
    const needs = needsScratch(inputs.length);
    let anyNeeded = false;
    for (let j = 0; j < inputs.length; j++) anyNeeded = (needs[j] = isRelevant(inputs[j], m)) || anyNeeded;
    if (!anyNeeded) continue;
    const cts = node.rule.vjp(dy, node, needs);
    if (isAnomalyEnabled()) checkBackward(node.rule.name, node.output.name, inputs, cts, node.site);
    for (let j = 0; j < inputs.length; j++) {
      const g = cts[j];
      if (needs[j] && g != null) accumulate(inputs[j], fit(g, inputs[j], node.rule.name, ops));
    }
  }
}

/**
 * The `needs` flags handed to a VJP, reused from node to node (a VJP reads them and returns; sweeps
 * never nest, so no two nodes use them at once).
 */
const needsByArity: boolean[][] = [];
function needsScratch(n: number): boolean[] {
  while (needsByArity.length <= n) needsByArity.push(filled(needsByArity.length, false));
  return needsByArity[n];
}

/** Fit: sum-to-shape and cast, the one place where broadcasting and dtype promotion are undone. */
function fit(g: Tensor, t: Tensor, op: string, ops: SweepOps): Tensor {
  let r = g;
  if (r.shape !== t.shape && !sameShape(r.shape, t.shape)) {
    if (r.ndim < t.ndim) throw new ShapeError(op, `internal: gradient of shape ${fmtShape(r.shape)} for input ${fmtShape(t.shape)}`);
    r = ops.sumToShape(r, t.shape);
  }
  if (r.dtype !== t.dtype) r = ops.astype(r, t.dtype);
  return r;
}
