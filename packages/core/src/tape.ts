import { List } from 'immutable';
import { callSite, checkForward, isAnomalyEnabled } from './anomaly.js';
import { TapegradError } from './errors.js';
import type { Tensor } from './tensor.js';

/**
 * The engine's half of the tape: what an op is to it, recording, and walking the graph. It knows no
 * individual op — the ops (ops/*.ts, and users' `customOp`s) implement `OpDef` — and the backward
 * sweep (sweep.ts) gets the few ops it needs handed in.
 *
 * There is no global list: each recorded op is a node hanging off the tensor it produced, pointing at
 * its inputs, so the tape of a loss is exactly the nodes reachable from it, and a step's graph is
 * garbage-collected with its tensors (nothing to dispose, nothing that grows across steps). Node ids
 * increase in recording order, so sorting by id gives a topological order.
 */

/** One cotangent per input; null where none flows (not needed, or not differentiable). */
export type Grads = readonly (Tensor | null)[];

/** What an op's VJP sees: its inputs, its output and its attributes. */
export interface VjpNode<A = unknown> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: A;
}

/**
 * One op: `forward` computes the output as a new untracked tensor (the tape records it if needed);
 * `vjp` maps the output cotangent `dy` to one cotangent per input (null where `needs[i]` is false or
 * the input is not differentiable). VJPs written with the library's own ops are recorded when
 * differentiating twice. A built-in VJP may return a gradient in the broadcast output shape or a
 * promoted dtype: the sweep fits it to the input in one place.
 */
export interface OpDef<A = unknown, K extends string = string> {
  readonly name: K;
  forward(inputs: readonly Tensor[], attrs: A): Tensor;
  vjp(dy: Tensor, node: VjpNode<A>, needs: readonly boolean[]): Grads;
}

/** A recorded op application. The last four fields are the sweep's bookkeeping (sweep.ts). */
export interface Node<A = unknown> extends VjpNode<A> {
  readonly id: number;
  readonly rule: OpDef<A>;
  /** The last traversal (by number) that reached this node. */
  seen: number;
  /** The sweep (by number) in which this node's output lies on a path from a target. */
  relevant: number;
  /** The sweep (by number) in which this node's output is itself a target. */
  target: number;
  /** The cotangent accumulated for this node's output during a sweep; null outside one. */
  cotangent: Tensor | null;
  /** The first sweep (by number) that walked this node; 0 before any (how a graph kept across steps is noticed). */
  swept: number;
  /** Where in the user's code the op was recorded: captured only in anomaly mode, else null. */
  readonly site: string | null;
}

/** One entry of `tapeOf(loss)`: what was computed, from what. */
export interface TapeEntry {
  readonly id: number;
  /** The op's name: a built-in's (`'matmul'`) or a `customOp`'s. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: unknown;
}

let nextId = 0;
let gradDisabled = 0;
/**
 * Traversals and sweeps are numbered; a node stamped with the current number has been seen (or is
 * relevant, or a target) in this one. Stamps replace per-sweep Sets: no hashing on the hot path.
 */
let epoch = 0;
export const nextEpoch = (): number => ++epoch;

/**
 * True unless inside `noGrad` (PyTorch's `is_grad_enabled`): whether ops on tensors that require grad
 * are recorded now.
 *
 * @example
 * isGradEnabled(); // true
 * noGrad(() => isGradEnabled()); // false
 */
export const isGradEnabled = (): boolean => gradDisabled === 0;

const ASYNC =
  'the function is async (or returned a promise): recording is only off while it runs synchronously, so the code after an await would be recorded; call noGrad around the synchronous parts';
const isThenable = (v: unknown): boolean =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
/**
 * Plain and arrow functions of this realm have Function.prototype as their prototype, so one comparison
 * clears them; only other functions (async, generators, other realms' async ones) have their
 * constructor's name read, which is a slower, shape-dependent lookup.
 */
const isAsyncFunction = (fn: () => unknown): boolean => {
  const proto: unknown = Object.getPrototypeOf(fn);
  return proto !== Function.prototype && (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name === 'AsyncFunction';
};

/**
 * Runs `fn` without recording: tensors it creates have no tape and `requiresGrad` false. `fn` must
 * be synchronous: recording is switched off for the duration of the call, so the part of an async
 * function after its first `await` would record after all; a function that returns a promise is
 * refused with a typed error (wrap the synchronous pieces instead).
 *
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TapegradError('noGrad', `expected a function, got ${fn === null ? 'null' : typeof fn}`, 'fn');
  if (isAsyncFunction(fn)) throw new TapegradError('noGrad', ASYNC, 'fn');
  gradDisabled++;
  let out: T;
  try {
    out = fn();
  } finally {
    gradDisabled--;
  }
  if (isThenable(out)) {
    throw new TapegradError('noGrad', ASYNC, 'fn');
  }
  return out;
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

/** Runs an op forward and, when grad is on and an input is tracked, records it on the output. */
export function apply<A>(rule: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const out = rule.forward(inputs, attrs);
  if (isAnomalyEnabled()) checkForward(rule.name, inputs, out);
  let record = false;
  if (gradDisabled === 0) for (let i = 0; i < inputs.length && !record; i++) record = inputs[i].requiresGrad;
  if (record) record1(rule, inputs, attrs, out);
  return out;
}

/** Records `out` as the output of `rule` applied to `inputs` (out must be a fresh untracked tensor). */
export function record1<A>(rule: OpDef<A>, inputs: readonly Tensor[], attrs: A, out: Tensor): void {
  out.setRequiresGrad(true);
  const site = isAnomalyEnabled() ? callSite() : null;
  const node: Node<A> = { id: nextId++, rule, inputs, output: out, attrs, seen: 0, relevant: 0, target: 0, cotangent: null, swept: 0, site };
  out.node = node as Node;
}

/**
 * Collect: the nodes reachable from `roots`, in recording order, and the tracked leaves (requiresGrad,
 * no node) met on the way, some maybe more than once. Iterative, so a 100,000-op chain is fine.
 */
export function collect(roots: readonly Tensor[]): { nodes: Node[]; leaves: Tensor[] } {
  const e = ++epoch;
  const nodes: Node[] = [];
  const leaves: Tensor[] = [];
  // A node is stamped when pushed, so it is pushed once however many consumers it has.
  const stack: Node[] = [];
  const visit = (t: Tensor): void => {
    const n = t.node;
    if (n === null) {
      if (t.requiresGrad) leaves.push(t);
    } else if (n.seen !== e) {
      n.seen = e;
      stack.push(n);
    }
  };
  for (let i = 0; i < roots.length; i++) visit(roots[i]);
  // A chain is found newest first: reversing it is the sort, without n log n comparisons (checked on
  // the way, while each node is at hand, not in a second pass over the graph).
  let descending = true;
  let last = Infinity;
  while (stack.length > 0) {
    const node = stack.pop()!;
    nodes.push(node);
    if (node.id > last) descending = false;
    last = node.id;
    const inputs = node.inputs;
    for (let j = 0; j < inputs.length; j++) visit(inputs[j]);
  }
  if (descending) nodes.reverse();
  else nodes.sort((a, b) => a.id - b.id);
  return { nodes, leaves };
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
    collect([loss]).nodes.map((n): TapeEntry => Object.freeze({ id: n.id, op: n.rule.name, inputs: n.inputs, output: n.output, attrs: n.attrs })),
  );
}
