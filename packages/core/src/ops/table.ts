/**
 * The catalog of primitives: every rule the op files export, collected by name. It adds nothing of
 * its own — a primitive is defined once, in its op file (its public function, kernel binding, VJP
 * and maths together) — and its type lists every op name, so the property test's case table
 * (`{ [K in OpName]: Case }`) fails to compile while any primitive lacks its case.
 */
import type { OpDef } from '../tape.js';
import * as arith from './arith.js';
import * as conv from './conv.js';
import * as indexing from './indexing.js';
import * as layout from './layout.js';
import * as linalg from './linalg/rules.js';
import * as matmul from './matmul.js';
import * as rearrange from './rearrange.js';
import * as reduce from './reduce.js';
import * as scan from './scan.js';
import * as softmax from './softmax.js';
import * as unary from './unary.js';

const MODULES = [arith, unary, layout, rearrange, indexing, matmul, reduce, softmax, conv, scan, linalg] as const;
type Exports = (typeof MODULES)[number];

/** The rule an export carries: itself if it is one, or the `rule` of an elementwise op function. */
type RuleOf<V> = V extends OpDef<never, infer K> ? OpDef<unknown, K> : V extends { readonly rule: OpDef<never, infer K> } ? OpDef<unknown, K> : never;
type RulesOf<M> = { [P in keyof M]: RuleOf<M[P]> }[keyof M];
type AnyRule = Exports extends infer M ? (M extends unknown ? RulesOf<M> : never) : never;

/** The name of every primitive op. */
export type OpName = AnyRule['name'];

const isRule = (v: unknown): v is OpDef =>
  v !== null && typeof v === 'object' && typeof (v as OpDef).name === 'string' && typeof (v as OpDef).forward === 'function' && typeof (v as OpDef).vjp === 'function';

function collectRules(): { [K in OpName]: OpDef<unknown, K> } {
  const out: Record<string, OpDef> = {};
  for (const m of MODULES) {
    for (const v of Object.values(m)) {
      const rule = isRule(v) ? v : typeof v === 'function' && isRule((v as { rule?: unknown }).rule) ? (v as { rule: OpDef }).rule : null;
      if (rule !== null) out[rule.name] = rule;
    }
  }
  return out as { [K in OpName]: OpDef<unknown, K> };
}

/**
 * Every primitive op's rule, by name (read-only: ops hold their own rules, this is for inspection).
 *
 * @example
 * OPS.matmul.name; // 'matmul'
 * 'softmax' in OPS; // false  (a composite of exp, sum and div, with no rule of its own)
 */
export const OPS: Readonly<{ [K in OpName]: OpDef<unknown, K> }> = Object.freeze(collectRules());

export type { OpDef };
