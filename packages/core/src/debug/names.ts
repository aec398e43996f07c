/**
 * What the debugging views call a tensor: its user name (`named('Z[2]')`), else the dotted module name
 * of a parameter (`layers.0.W`), else the op that made it and that op's node id (`matmul#12`).
 */
import { TapegradError, fmtValue } from '../errors.js';
import { Tensor } from '../tensor.js';

/**
 * Parameter names, in any of the shapes a program has them: a Map from tensor to name, nn's
 * `model.parameters()` (an OrderedMap of dotted name → Tensor, or any iterable of [name, tensor]
 * pairs), or an object with such a `parameters()` method (a module).
 */
export type ParamNames =
  | ReadonlyMap<Tensor, string>
  | Iterable<readonly [string, Tensor]>
  | { parameters(): Iterable<readonly [string, Tensor]> };

/** The names as a Map from tensor to name, or a typed error naming `op` and what was wrong. */
export function paramNameMap(op: string, params: ParamNames | undefined): Map<Tensor, string> {
  const names = new Map<Tensor, string>();
  if (params === undefined) return names;
  const source = params !== null && typeof (params as { parameters?: unknown }).parameters === 'function'
    ? (params as { parameters(): Iterable<readonly [string, Tensor]> }).parameters()
    : params;
  if (source === null || typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TapegradError(op, `expected a Map<Tensor, string>, model.parameters() or a module, got ${fmtValue(source)}`, 'params');
  }
  for (const entry of source as Iterable<unknown>) {
    const [k, v] = Array.isArray(entry) ? entry : [];
    if (k instanceof Tensor && typeof v === 'string') names.set(k, v);
    else if (typeof k === 'string' && v instanceof Tensor) names.set(v, k);
    else throw new TapegradError(op, `expected entries [Tensor, name] or [name, Tensor], got ${fmtValue(entry)}`, 'params');
  }
  return names;
}

/** The user's name for t, or null: a parameter's module name first (it says where t lives), else `t.name`. */
export const userName = (t: Tensor, params: ReadonlyMap<Tensor, string>): string | null => params.get(t) ?? t.name ?? null;

/** A name for t that is never empty: the user's, else `op#id` for a recorded tensor, else `fallback`. */
export const displayName = (t: Tensor, params: ReadonlyMap<Tensor, string>, fallback: string): string =>
  userName(t, params) ?? (t.node !== null ? `${t.node.rule.name}#${t.node.id}` : fallback);
