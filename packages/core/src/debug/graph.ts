/**
 * The graph of a loss as the exporters draw it: one box per recorded op, one per leaf that requires
 * grad (a parameter), one per constant fed to an op, and an edge from each input to the op using it.
 * toDot and toMermaid only render this.
 */
import { TapegradError, fmtShape, fmtValue } from '../errors.js';
import { collect, type Node } from '../tape.js';
import { Tensor } from '../tensor.js';
import { displayName, paramNameMap, userName, type ParamNames } from './names.js';

/** Options of `toDot` and `toMermaid`: names for parameters (a Map, or a module's dotted parameters). */
export interface GraphOptions {
  /** Labels parameters by name: a Map<Tensor, string>, nn's `model.parameters()`, or a module. */
  params?: ParamNames;
}

export type GraphNodeKind = 'op' | 'param' | 'const';

export interface GraphNode {
  /** An identifier safe in DOT and Mermaid: `op0`, `op1`, … in recording order, `param0`, `const0`. */
  readonly id: string;
  readonly kind: GraphNodeKind;
  /** The label's lines: what it is (op name and user name), then shape and dtype. */
  readonly lines: readonly string[];
  /** True for the tensor the graph was drawn from. */
  readonly root: boolean;
}

export interface Graph {
  readonly nodes: readonly GraphNode[];
  /** [from, to] ids, inputs to the op that uses them, in recording order. */
  readonly edges: readonly (readonly [string, string])[];
}

const typeLine = (t: Tensor): string => `${fmtShape(t.shape)} ${t.dtype}`;

/** A constant's label: its value when it has one element (the `1` of `1 − σ`), else its name or `const`. */
function constLabel(t: Tensor): string {
  if (t.name !== null) return t.name;
  return t.size === 1 ? String(t.data[0]) : 'const';
}

/** Builds the drawable graph of `root` (every op it was computed by, and their inputs). */
export function buildGraph(op: string, root: Tensor, options: GraphOptions = {}): Graph {
  if (!(root instanceof Tensor)) throw new TapegradError(op, `expected a Tensor, got ${fmtValue(root)}`, 'loss');
  if (!root.requiresGrad) {
    throw new TapegradError(op, 'this tensor does not require grad and has no recorded ops: there is no graph to draw', 'loss');
  }
  const params = paramNameMap(op, options.params);
  const nodes: GraphNode[] = [];
  const edges: [string, string][] = [];
  const leafIds = new Map<Tensor, string>();
  const counts = { param: 0, const: 0 };
  const leafId = (t: Tensor): string => {
    let id = leafIds.get(t);
    if (id === undefined) {
      const kind = t.requiresGrad ? 'param' : 'const';
      id = `${kind}${counts[kind]++}`;
      leafIds.set(t, id);
      const what = kind === 'param' ? displayName(t, params, 'leaf') : constLabel(t);
      nodes.push({ id, kind, lines: [what, typeLine(t)], root: t === root });
    }
    return id;
  };
  if (root.node === null) leafId(root);
  // Ops are numbered op0, op1, … in recording order, so the same model always gives the same text.
  const opIds = new Map<Node, string>();
  for (const n of collect([root]).nodes) {
    const id = `op${opIds.size}`;
    opIds.set(n, id);
    const name = userName(n.output, params);
    nodes.push({ id, kind: 'op', lines: [name === null ? n.rule.name : `${name} = ${n.rule.name}`, typeLine(n.output)], root: n.output === root });
    for (const t of n.inputs) edges.push([t.node !== null ? opIds.get(t.node)! : leafId(t), id]);
  }
  return { nodes, edges };
}
