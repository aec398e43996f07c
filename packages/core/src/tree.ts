import { isImmutable, List, Map as IMap, OrderedMap, isOrderedMap, isList, isMap } from 'immutable';
import { TapegradError, fmtValue } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * Pytrees, as in JAX: a Tensor, or arrays, plain objects and immutable Lists/Maps of pytrees. The
 * transforms take and return gradients with the same structure as their arguments (a parameter tree
 * gets a gradient tree). Anything else (numbers, strings, null) is a constant leaf, passed through.
 */
export type Tree = Tensor | readonly Tree[] | { readonly [k: string]: Tree } | List<Tree> | IMap<string, Tree> | unknown;

export interface Flat {
  readonly leaves: Tensor[];
  /** The same structure with its tensors replaced, in order, by `leaves`. */
  rebuild(leaves: readonly unknown[]): unknown;
}

/**
 * One node of the tree in pre-order: a tensor (the next leaf), a constant, or a container whose
 * `size` children are the subtrees that follow it.
 */
type Node =
  | { kind: 'tensor' }
  | { kind: 'const'; value: unknown }
  | { kind: 'array'; size: number }
  | { kind: 'list'; size: number }
  | { kind: 'object'; size: number; keys: string[] }
  | { kind: 'map'; size: number; keys: unknown[]; ordered: boolean };

/** A subtree still to visit (under node `parent`, at `key`), or (`exit`) a container now fully visited. */
type Visit = { value: unknown; parent: number; key: unknown; exit?: false } | { value: object; exit: true };

const isPlainObject = (t: unknown): t is Record<string, unknown> =>
  t !== null && typeof t === 'object' && Object.getPrototypeOf(t) === Object.prototype;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * The tensors of `tree` in order, and a function putting values back in their places. Both walks use
 * an explicit stack, so a tree nested 100,000 deep is fine; a tree that contains itself is a
 * TapegradError naming the path of the cycle (`op` and `arg` name the caller in it). An object met
 * twice but not inside itself is simply walked twice.
 *
 * @example
 * const { leaves, rebuild } = flatten({ W: tensor([1]), b: [tensor([2]), 'tag'] });
 * rebuild(leaves.map((t) => t.mul(2))); // { W: [2], b: [[4], 'tag'] }
 */
export function flatten(tree: unknown, op = 'pytree', arg = 'tree'): Flat {
  const leaves: Tensor[] = [];
  const nodes: Node[] = [];
  // For error messages only: each node's parent and its key there.
  const parents: number[] = [];
  const keys: unknown[] = [];
  const open = new Map<object, number>(); // the containers on the current path, with their node index
  const path = (id: number): string => {
    const parts: string[] = [];
    for (let i = id; parents[i] >= 0; i = parents[i]) {
      const k = keys[i], kind = nodes[parents[i]].kind;
      if (kind === 'array') parts.push(`[${k}]`);
      else if (kind === 'object') parts.push(IDENT.test(k as string) ? `.${k}` : `[${JSON.stringify(k)}]`);
      else parts.push(`.get(${fmtValue(k)})`);
    }
    return arg + parts.reverse().join('');
  };
  const stack: Visit[] = [{ value: tree, parent: -1, key: null }];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v.exit) {
      open.delete(v.value);
      continue;
    }
    const t = v.value, id = nodes.length;
    parents.push(v.parent);
    keys.push(v.key);
    let childKeys: readonly unknown[], children: readonly unknown[];
    if (t instanceof Tensor) {
      leaves.push(t);
      nodes.push({ kind: 'tensor' });
      continue;
    } else if (Array.isArray(t)) {
      children = t;
      childKeys = [];
      nodes.push({ kind: 'array', size: t.length });
    } else if (isImmutable(t) && isList(t)) {
      children = (t as List<unknown>).toArray();
      childKeys = [];
      nodes.push({ kind: 'list', size: children.length });
    } else if (isImmutable(t) && isMap(t)) {
      const entries = (t as IMap<unknown, unknown>).toArray();
      childKeys = entries.map(([k]) => k);
      children = entries.map(([, c]) => c);
      nodes.push({ kind: 'map', size: entries.length, keys: childKeys as unknown[], ordered: isOrderedMap(t) });
    } else if (isPlainObject(t)) {
      childKeys = Object.keys(t);
      children = childKeys.map((k) => t[k as string]);
      nodes.push({ kind: 'object', size: childKeys.length, keys: childKeys as string[] });
    } else {
      nodes.push({ kind: 'const', value: t });
      continue;
    }
    const container = t as object;
    const first = open.get(container);
    if (first !== undefined) {
      throw new TapegradError(op, `the tree contains itself: ${path(id)} is ${path(first)} (a cycle; a pytree must be finite)`, arg);
    }
    open.set(container, id);
    stack.push({ value: container, exit: true });
    // arrays and Lists are keyed by position; children go on in reverse so the first is visited first
    for (let i = children.length - 1; i >= 0; i--) stack.push({ value: children[i], parent: id, key: childKeys.length > 0 ? childKeys[i] : i });
  }
  return { leaves, rebuild: (values) => rebuild(nodes, values) };
}

/**
 * The tree of `nodes` with its tensors replaced by `values`. Walking the pre-order backwards, every
 * subtree is built before its container, whose children are then the top `size` built values.
 */
function rebuild(nodes: readonly Node[], values: readonly unknown[]): unknown {
  const built: unknown[] = [];
  let leaf = nodes.reduce((n, node) => n + (node.kind === 'tensor' ? 1 : 0), 0);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (node.kind === 'tensor') {
      built.push(values[--leaf]);
      continue;
    }
    if (node.kind === 'const') {
      built.push(node.value);
      continue;
    }
    const kids: unknown[] = [];
    for (let k = 0; k < node.size; k++) kids.push(built.pop());
    if (node.kind === 'array') built.push(kids);
    else if (node.kind === 'list') built.push(List(kids));
    else if (node.kind === 'object') built.push(Object.fromEntries(node.keys.map((k, j) => [k, kids[j]])));
    else {
      const pairs = node.keys.map((k, j) => [k, kids[j]] as [unknown, unknown]);
      built.push(node.ordered ? OrderedMap(pairs) : IMap(pairs));
    }
  }
  return built[0];
}
