import { List } from 'immutable';
import type { DType } from './dtype.js';
import { fmtShape, ShapeError, TapegradError } from './errors.js';
import type { OpAttrs, OpDef, OpName } from './ops/table.js';
import { filled, sameShape } from './shape.js';
import { Tensor } from './tensor.js';
import { ones } from './creation.js';
import { add, astype, sumToShape } from './functions.js';

/**
 * The tape. There is no global list: each recorded op is a node hanging off the tensor it produced,
 * pointing at its inputs, so the tape of a loss is exactly the nodes reachable from it, and a step's
 * graph is garbage-collected with its tensors (nothing to dispose, nothing that grows across steps).
 * Node ids increase in recording order, so sorting by id gives a topological order.
 */
export interface Node<K extends OpName = OpName> {
  readonly id: number;
  /** The op's rule (`OPS[name]`): its forward and VJP. */
  readonly rule: OpDef<OpAttrs[K], K>;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: OpAttrs[K];
  /** The last traversal (by number) that reached this node. */
  seen: number;
}

/** One entry of `tapeOf(loss)`: what was computed, from what. */
export interface TapeEntry {
  readonly id: number;
  readonly op: OpName;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: unknown;
}

let nextId = 0;
let gradDisabled = 0;
/**
 * Traversals and sweeps are numbered; a node or tensor stamped with the current number has been seen
 * (or is relevant) in this one. Stamps replace per-sweep Sets and Maps: no hashing on the hot path.
 * A sweep never starts inside another (VJP rules only apply ops), so one counter suffices.
 */
let epoch = 0;

/** True unless inside `noGrad`. */
export const isGradEnabled = (): boolean => gradDisabled === 0;

/**
 * Runs `fn` without recording: tensors it creates have no tape and `requiresGrad` false.
 *
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  gradDisabled++;
  try {
    return fn();
  } finally {
    gradDisabled--;
  }
}

/** Runs `fn` with recording on, even inside `noGrad` (function transforms use this). */
export function withGrad<T>(fn: () => T): T {
  const saved = gradDisabled;
  gradDisabled = 0;
  try {
    return fn();
  } finally {
    gradDisabled = saved;
  }
}

/** Runs an op (its rule, e.g. `OPS.mul`) forward and, when grad is on and an input is tracked, records it on the output. */
export function apply<K extends OpName>(rule: OpDef<OpAttrs[K], K>, inputs: readonly Tensor[], attrs: OpAttrs[K]): Tensor {
  const out = rule.forward(inputs, attrs);
  let record = false;
  if (gradDisabled === 0) for (let i = 0; i < inputs.length && !record; i++) record = inputs[i].requiresGrad;
  if (record) {
    out.setRequiresGrad(true);
    out.node = { id: nextId++, rule, inputs, output: out, attrs, seen: 0 } as Node;
  }
  return out;
}

/**
 * Nodes reachable from `roots`, in recording order. Iterative, so a 100,000-op chain is fine. The
 * tracked leaves (requiresGrad, no node) met on the way are added to `leaves` when it is given, some
 * maybe more than once.
 */
function reachable(roots: readonly Tensor[], leaves?: Tensor[]): Node[] {
  const e = ++epoch;
  const out: Node[] = [];
  const stack: Tensor[] = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!.node;
    if (node === null || node.seen === e) continue;
    node.seen = e;
    out.push(node);
    const inputs = node.inputs;
    for (let j = 0; j < inputs.length; j++) {
      const t = inputs[j];
      if (t.node !== null) stack.push(t);
      else if (leaves !== undefined && t.requiresGrad) leaves.push(t);
    }
  }
  // A chain is found newest first: reversing it is the sort, without n log n comparisons.
  let descending = true;
  for (let i = 1; i < out.length && descending; i++) descending = out[i - 1].id > out[i].id;
  return descending ? out.reverse() : out.sort((a, b) => a.id - b.id);
}

/**
 * The recorded tape of `loss`: every op it depends on, oldest first, as an immutable List.
 *
 * @example
 * const x = tensor([1, 2], { requiresGrad: true });
 * tapeOf(x.mul(x).sum()).map((e) => e.op).toArray(); // ['mul', 'sum']
 */
export function tapeOf(loss: Tensor): List<TapeEntry> {
  return List(
    reachable([loss]).map((n): TapeEntry => Object.freeze({ id: n.id, op: n.rule.name, inputs: n.inputs, output: n.output, attrs: n.attrs })),
  );
}

/**
 * Reverse-mode sweep: the gradient of Σ ⟨seed_i, root_i⟩ with respect to each target. Walks the nodes
 * that lie on a path from a target to a root, newest first, applying each op's VJP, accumulating where a
 * tensor fans out, dropping each gradient as soon as its node has used it, and undoing broadcasting
 * (and dtype promotion) in this one place. With `createGraph` the VJPs are themselves recorded, so the
 * result can be differentiated again. Targets that no root depends on are absent from the result.
 */
export function gradients(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  targets: ReadonlySet<Tensor> | 'leaves',
  createGraph: boolean,
): Map<Tensor, Tensor> {
  const leaves = roots.filter((r) => r.node === null && r.requiresGrad);
  const nodes = reachable(roots, leaves);
  // This sweep's number stamps the targets (`target`, listed in `wanted`).
  const e = ++epoch;
  const wanted: Tensor[] = [];
  const stamp = (t: Tensor) => {
    if (t.target === e) return;
    t.target = e;
    wanted.push(t);
  };
  const leavesMode = targets === 'leaves';
  for (const t of leavesMode ? leaves : (targets as ReadonlySet<Tensor>)) stamp(t);
  // Only nodes with a relevant input (one a target flows into) are visited. When every tracked leaf is
  // a target and every target is tracked — always for backward(), and for grad unless the function
  // closes over tracked tensors — relevant is simply requiresGrad. Otherwise relevant tensors are
  // stamped (`mark`), forward from the targets.
  let byMark = false;
  if (!leavesMode) {
    for (const t of leaves) if (t.target !== e) byMark = true;
    for (const t of targets as ReadonlySet<Tensor>) if (!t.requiresGrad) byMark = true;
  }
  if (byMark) {
    for (const t of wanted) t.mark = e;
    for (const n of nodes) {
      const inputs = n.inputs;
      for (let j = 0; j < inputs.length; j++) {
        if (inputs[j].mark === e) {
          n.output.mark = e;
          break;
        }
      }
    }
  }
  const relevant = (t: Tensor): boolean => (byMark ? t.mark === e : t.requiresGrad);

  // Cotangents accumulate on the tensors themselves (`acc`). Each node's output drops its cotangent as
  // soon as the node has used it, so after a complete sweep only the targets hold one.
  const accumulate = (t: Tensor, g: Tensor) => {
    t.acc = t.acc === null ? g : add(t.acc, g);
  };
  const sweep = () => {
    for (let i = 0; i < roots.length; i++) if (relevant(roots[i])) accumulate(roots[i], seeds[i]);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      const out = node.output;
      const dy = out.acc;
      if (dy === null) continue;
      if (out.target !== e) out.acc = null; // used once, then dropped
      const inputs = node.inputs;
      const needs = needsScratch(inputs.length);
      let anyNeeded = false;
      for (let j = 0; j < inputs.length; j++) anyNeeded = (needs[j] = relevant(inputs[j])) || anyNeeded;
      if (!anyNeeded) continue;
      const ins = (node.rule.vjp as (dy: Tensor, node: Node, needs: boolean[]) => (Tensor | null)[])(dy, node, needs);
      for (let j = 0; j < inputs.length; j++) {
        const g = ins[j];
        if (needs[j] && g !== null && g !== undefined) accumulate(inputs[j], fitTo(g, inputs[j], node.rule.name));
      }
    }
  };
  const grads = new Map<Tensor, Tensor>();
  try {
    if (createGraph) withGrad(sweep);
    else noGrad(sweep);
    for (const t of wanted) if (t.acc !== null) grads.set(t, t.acc);
  } catch (err) {
    // A sweep cut short leaves cotangents anywhere on the graph: clear them all.
    for (const r of roots) r.acc = null;
    for (const n of nodes) for (const t of n.inputs) t.acc = null;
    throw err;
  } finally {
    for (const t of wanted) t.acc = null;
  }
  return grads;
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

/** Sum-to-shape and cast: the one place where broadcasting and dtype promotion are undone. */
function fitTo(g: Tensor, t: Tensor, op: OpName): Tensor {
  let r = g;
  if (r.shape !== t.shape && !sameShape(r.shape, t.shape)) {    if (r.ndim < t.ndim) throw new ShapeError(op, `internal: gradient of shape ${fmtShape(r.shape)} for input ${fmtShape(t.shape)}`);
    r = sumToShape(r, t.shape);
  }
  if (r.dtype !== t.dtype) r = astype(r, t.dtype);
  return r;
}

/** `loss.backward(seed)`: accumulates into `.grad` of every tracked leaf; all-or-nothing on error. */
export function backward(loss: Tensor, seed: Tensor | undefined, createGraph: boolean): void {
  if (!loss.requiresGrad) {
    throw new TapegradError('backward', 'this tensor does not require grad and has no recorded ops: nothing to differentiate');
  }
  let s: Tensor;
  if (seed === undefined) {
    if (loss.size !== 1) {
      throw new TapegradError(
        'backward',
        `output has shape ${fmtShape(loss.shape)}, not a scalar: pass a seed (the cotangent) of that shape`,
        'seed',
      );
    }
    s = ones(loss.shape, { dtype: loss.dtype });
  } else {
    if (!sameShape(seed.shape, loss.shape)) {
      throw new ShapeError('backward', `seed has shape ${fmtShape(seed.shape)} but the output has shape ${fmtShape(loss.shape)}`, 'seed');
    }
    s = seed.dtype === loss.dtype ? seed : astype(seed, loss.dtype);
  }
  const grads = gradients([loss], [s], 'leaves', createGraph);
  // Every new .grad (sums included) is computed before any is assigned, so an error anywhere — in the
  // sweep or in an accumulation — leaves all of them as they were.
  const sums = () => [...grads].map(([leaf, g]) => [leaf, leaf.grad === null ? (createGraph ? g : g.detach()) : add(leaf.grad, g)] as const);
  const updates = createGraph ? sums() : noGrad(sums);
  for (const [leaf, g] of updates) leaf.grad = g;
}

export type { DType };
