import { isImmutable, List, Map as IMap, OrderedMap, isOrderedMap, isList, isMap } from 'immutable';
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

export function flatten(tree: unknown): Flat {
  const leaves: Tensor[] = [];
  const walk = (t: unknown): ((next: () => unknown) => unknown) => {
    if (t instanceof Tensor) {
      leaves.push(t);
      return (next) => next();
    }
    if (Array.isArray(t)) {
      const parts = t.map(walk);
      return (next) => parts.map((p) => p(next));
    }
    if (isImmutable(t)) {
      if (isList(t)) {
        const parts = (t as List<unknown>).toArray().map(walk);
        return (next) => List(parts.map((p) => p(next)));
      }
      if (isMap(t)) {
        const entries = (t as IMap<unknown, unknown>).toArray().map(([k, v]) => [k, walk(v)] as const);
        const ordered = isOrderedMap(t);
        return (next) => {
          const pairs = entries.map(([k, p]) => [k, p(next)] as [unknown, unknown]);
          return ordered ? OrderedMap(pairs) : IMap(pairs);
        };
      }
      return () => t;
    }
    if (t !== null && typeof t === 'object' && Object.getPrototypeOf(t) === Object.prototype) {
      const entries = Object.entries(t).map(([k, v]) => [k, walk(v)] as const);
      return (next) => Object.fromEntries(entries.map(([k, p]) => [k, p(next)]));
    }
    return () => t;
  };
  const build = walk(tree);
  return {
    leaves,
    rebuild: (values) => {
      let i = 0;
      return build(() => values[i++]);
    },
  };
}
