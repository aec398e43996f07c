/**
 * Noticing a graph that grows from one backward sweep to the next: a loss accumulated outside
 * `noGrad`, parameters updated while recording, or `grad` results of tracked parameters feeding the
 * next step. Each step then walks every earlier step's graph again, so it gets slower and memory
 * climbs. The sweep stamps the nodes it walks; a sweep that walks nodes an earlier sweep walked, and
 * more nodes than the sweep before it, three times running, warns once (console.warn) naming the op
 * that links the new graph to the old one. Walking a graph again without growth (jacobian rows,
 * gradcheck, grad of grad) is normal and stays silent.
 */
import type { Node } from './tape.js';

let sweeps = 0;
let lastSize = 0;
let streak = 0;
let warned = false;
const STREAK = 3;

/** The recorded op and the op name of its input from an earlier sweep's graph, for the warning. */
function link(nodes: readonly Node[], id: number): string {
  for (const n of nodes) {
    if (n.swept !== id) continue;
    for (const t of n.inputs) {
      const old = t.node;
      if (old !== null && old.swept !== id) {
        const name = (x: { name: string | null }, op: string) => (x.name ? `'${x.name}' (${op})` : `\`${op}\``);
        return `${name(n.output, n.rule.name)} takes as input ${name(t, old.rule.name)}, computed in an earlier step's graph`;
      }
    }
  }
  return 'the new graph reaches nodes of an earlier one';
}

/** Called by each sweep with the nodes it is about to walk (in recording order). */
export function noticeGrowth(nodes: readonly Node[]): void {
  const id = ++sweeps;
  // One pass: a node new to this sweep is stamped with its number; one from an earlier sweep keeps
  // that sweep's (so `link` can tell them apart afterwards).
  let old = 0;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.swept !== 0) old++;
    else n.swept = id;
  }
  streak = old > 0 && nodes.length > lastSize ? streak + 1 : 0;
  if (streak >= STREAK && !warned) {
    warned = true;
    console.warn(
      `tapegrad: the graph walked by backward grows from one step to the next (${nodes.length} ops now, ${old} of them from earlier steps): ` +
        `${link(nodes, id)}. Each step then re-walks every earlier one, so training slows down and memory climbs. ` +
        'Usual causes: a running loss summed without noGrad or .item(); parameters updated outside noGrad; ' +
        "grad of tracked parameters whose results feed the next step (detach them). See docs/debugging.md. (This warning is shown once.)",
    );
  }
  lastSize = nodes.length;
}

/** For tests: forget what was noticed, so the warning can fire again. */
export function resetGrowthWarning(): void {
  lastSize = 0;
  streak = 0;
  warned = false;
}
