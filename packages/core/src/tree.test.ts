/**
 * Pytrees (issue 8, item 4): flatten and rebuild keep every structure, walk trees 100,000 deep
 * without recursion, and refuse a tree that contains itself with a TapegradError naming the cycle.
 */
import { describe, expect, it } from 'vitest';
import { List, Map as IMap, OrderedMap } from 'immutable';
import { grad, TapegradError, tensor, Tensor, zeroGrad } from '@tapegrad/core';
import { flatten } from './tree.js';
import { errorOf } from './errors.testkit.js';

const DEEP = 100_000;


describe('flatten and rebuild', () => {
  it('list tensors in order and rebuild arrays, objects, Lists, Maps and OrderedMaps around new values', () => {
    const a = tensor([1]), b = tensor([2]), c = tensor([3]), d = tensor([4]);
    const tree = { W: a, rest: [b, 'tag', { k: 2, n: null }], list: List([c]), map: OrderedMap<string, unknown>([['z', d], ['a', 7]]) };
    const { leaves, rebuild } = flatten(tree);
    expect(leaves).toEqual([a, b, c, d]);
    const out = rebuild(['A', 'B', 'C', 'D']) as {
      W: unknown; rest: unknown[]; list: List<unknown>; map: OrderedMap<string, unknown>;
    };
    expect(out.W).toBe('A');
    expect(out.rest).toEqual(['B', 'tag', { k: 2, n: null }]);
    expect(List.isList(out.list) && out.list.toArray()).toEqual(['C']);
    expect(OrderedMap.isOrderedMap(out.map)).toBe(true);
    expect(out.map.toArray()).toEqual([['z', 'D'], ['a', 7]]); // insertion order kept
    const m = flatten(IMap({ x: a })).rebuild([5]) as IMap<string, unknown>;
    expect(IMap.isMap(m) && !OrderedMap.isOrderedMap(m)).toBe(true);
    expect(m.get('x')).toBe(5);
  });

  it('walks a subtree met twice (not inside itself) twice', () => {
    const t = tensor([1]);
    const shared = [t];
    const { leaves, rebuild } = flatten({ p: shared, q: shared });
    expect(leaves).toEqual([t, t]);
    expect(rebuild([1, 2])).toEqual({ p: [1], q: [2] });
  });

  it('flattens and rebuilds trees 100,000 deep: arrays, objects and Lists', () => {
    const t = tensor([1]);
    const depthOf = (tree: unknown, down: (x: unknown) => unknown): number => {
      let n = 0;
      for (let x = tree; x !== t && x !== 'leaf'; x = down(x)) n++;
      return n;
    };
    const nest = (wrap: (x: unknown) => unknown): unknown => {
      let tree: unknown = t;
      for (let i = 0; i < DEEP; i++) tree = wrap(tree);
      return tree;
    };
    const cases: [string, (x: unknown) => unknown, (x: unknown) => unknown][] = [
      ['array', (x) => [x], (x) => (x as unknown[])[0]],
      ['object', (x) => ({ next: x }), (x) => (x as { next: unknown }).next],
      ['List', (x) => List([x]), (x) => (x as List<unknown>).get(0)],
    ];
    for (const [name, wrap, down] of cases) {
      const { leaves, rebuild } = flatten(nest(wrap));
      expect(leaves, name).toEqual([t]);
      expect(depthOf(rebuild(['leaf']), down), name).toBe(DEEP);
    }
  });

  it('refuses a tree that contains itself, naming both ends of the cycle', () => {
    const arr: unknown[] = [tensor([1])];
    arr.push(arr);
    expect(() => flatten(arr)).toThrow(TapegradError);
    expect(errorOf(() => flatten(arr)).message).toBe(
      "pytree: argument 'tree': the tree contains itself: tree[1] is tree (a cycle; a pytree must be finite)",
    );
    const obj: Record<string, unknown> = { a: { b: [tensor([1])] } };
    (obj.a as { b: unknown[] }).b.push(obj.a);
    expect(errorOf(() => flatten(obj, 'grad', 'args[0]')).message).toBe(
      "grad: argument 'args[0]': the tree contains itself: args[0].a.b[1] is args[0].a (a cycle; a pytree must be finite)",
    );
    // through an immutable List: the List holds the object that holds it
    const holder: Record<string, unknown> = {};
    holder.list = List([holder]);
    expect(errorOf(() => flatten(holder)).message).toContain('tree.list.get(0) is tree');
  });
});

describe('transforms on deep and cyclic trees', () => {
  it('grad of a function of a tree 100,000 deep, and zeroGrad of it', () => {
    const x = tensor([3], { dtype: 'float64', requiresGrad: true });
    let tree: unknown = x;
    for (let i = 0; i < DEEP; i++) tree = { next: tree };
    const leaf = (t: unknown): Tensor => {
      let v = t;
      while (!(v instanceof Tensor)) v = (v as { next: unknown }).next;
      return v;
    };
    const g = grad((t: unknown) => leaf(t).square().sum())(tree);
    expect(Array.from(leaf(g).data)).toEqual([6]);
    x.grad = tensor([1], { dtype: 'float64' });
    zeroGrad(tree);
    expect(x.grad).toBeNull();
  });

  it('grad of a cyclic tree is a TapegradError, not a stack overflow', () => {
    const params: Record<string, unknown> = { W: tensor([1], { dtype: 'float64' }) };
    params.self = params;
    expect(() => grad((p: { W: Tensor }) => p.W.sum())(params as unknown as { W: Tensor })).toThrow(/the tree contains itself: tree\.self is tree/);
  });
});
