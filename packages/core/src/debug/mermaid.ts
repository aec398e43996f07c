import type { Tensor } from '../tensor.js';
import { buildGraph, type GraphNode, type GraphOptions } from './graph.js';

/**
 * A label as Mermaid's entity codes write it: `#` first (it starts an entity), then the characters
 * that would end or reshape a node (quotes, brackets, braces, angle brackets, pipes); a line break
 * in a name becomes `<br/>`.
 */
const ENTITY: Record<string, string> = {
  '#': '#35;', '"': '#quot;', '[': '#91;', ']': '#93;', '(': '#40;', ')': '#41;',
  '{': '#123;', '}': '#125;', '<': '#lt;', '>': '#gt;', '|': '#124;',
};
const escape = (s: string): string => s.replace(/[#"[\](){}<>|]/g, (c) => ENTITY[c]).replace(/\r?\n/g, '<br/>');

/** Node shapes: ops rectangles, parameters stadiums, constants parallelograms. */
const SHAPE: Record<GraphNode['kind'], readonly [string, string]> = { op: ['["', '"]'], param: ['(["', '"])'], const: ['[/"', '"/]'] };

/**
 * The graph that computed `loss`, as a Mermaid `flowchart` (GitHub and most Markdown viewers draw it
 * in a ```mermaid block): the same nodes and edges as `toDot`, with parameters as stadiums, constants
 * as parallelograms and the loss in bold.
 *
 * @example
 * const W = tensor([1, 2], { requiresGrad: true });
 * toMermaid(W.sum().named('L')).split('\n').slice(0, 3);
 * // ['flowchart BT', '  op0["L = sum<br/>#91;#93; float32"]', '  param0(["leaf<br/>#91;2#93; float32"])']
 */
export function toMermaid(loss: Tensor, options: GraphOptions = {}): string {
  const { nodes, edges } = buildGraph('toMermaid', loss, options);
  const out = ['flowchart BT'];
  for (const n of nodes) {
    const [open, close] = SHAPE[n.kind];
    out.push(`  ${n.id}${open}${n.lines.map(escape).join('<br/>')}${close}`);
  }
  for (const [from, to] of edges) out.push(`  ${from} --> ${to}`);
  out.push('  classDef param fill:#dbeafe,stroke:#1d4ed8');
  out.push('  classDef constant stroke-dasharray:3 3,color:#555555');
  out.push('  classDef loss stroke-width:3px');
  const classes = [['param', (n: GraphNode) => n.kind === 'param'], ['constant', (n: GraphNode) => n.kind === 'const'], ['loss', (n: GraphNode) => n.root]] as const;
  for (const [cls, member] of classes) {
    const ids = nodes.filter(member).map((n) => n.id);
    if (ids.length > 0) out.push(`  class ${ids.join(',')} ${cls}`);
  }
  return `${out.join('\n')}\n`;
}
