import type { Tensor } from '../tensor.js';
import { buildGraph, type GraphNode, type GraphOptions } from './graph.js';

/** A DOT string literal: backslashes and quotes escaped, line breaks as DOT's centred `\n`. */
const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;

const STYLE: Record<GraphNode['kind'], string> = {
  op: 'shape=box, style="rounded"',
  param: 'shape=box, style="filled", fillcolor="#dbeafe"',
  const: 'shape=box, style="dashed", color="#888888", fontcolor="#555555"',
};

/**
 * The graph that computed `loss`, as Graphviz DOT text: one box per recorded op (its name, the
 * output's user name, shape and dtype), parameters (leaves that require grad) filled, constants
 * dashed, the loss drawn bold; edges run from inputs to the ops that use them. Render it with
 * `dot -Tsvg graph.dot > graph.svg`. Like torchviz's `make_dot`, but it draws the forward ops as
 * recorded, not PyTorch's backward functions.
 *
 * @example
 * const W = tensor([[1, 2]], { requiresGrad: true });
 * const L = W.matmul(tensor([[3], [4]])).sum().named('L');
 * toDot(L, { params: new Map([[W, 'layer.W']]) }).split('\n').filter((l) => l.includes('->'));
 * // ['  param0 -> op0;', '  const0 -> op0;', '  op0 -> op1;']
 */
export function toDot(loss: Tensor, options: GraphOptions = {}): string {
  const { nodes, edges } = buildGraph('toDot', loss, options);
  const out = ['digraph tapegrad {', '  rankdir=BT;', '  node [fontname="Helvetica", fontsize=11];'];
  for (const n of nodes) out.push(`  ${n.id} [label=${quote(n.lines.join('\n'))}, ${STYLE[n.kind]}${n.root ? ', penwidth=2' : ''}];`);
  for (const [from, to] of edges) out.push(`  ${from} -> ${to};`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
