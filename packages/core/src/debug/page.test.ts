/**
 * docs/debugging.md shows the DOT, Mermaid and explain output of its examples in blocks the docs test
 * cannot run (```dot, ```mermaid, ```text); this checks they are what the code prints.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explain, matmul, sigmoid, tensor, toDot, toMermaid } from '@tapegrad/core';
import { notesNet } from './notes-net.testkit.js';

const page = readFileSync(new URL('../../../../docs/debugging.md', import.meta.url), 'utf8');
/** The first block fenced as ```lang after `anchor`. */
function block(lang: string, anchor = ''): string {
  const from = page.indexOf(anchor);
  expect(from, anchor).toBeGreaterThanOrEqual(0);
  const m = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(page.slice(from));
  expect(m, `a \`\`\`${lang} block`).not.toBeNull();
  return m![1];
}

describe('docs/debugging.md', () => {
  it('shows the DOT and Mermaid text its graph example makes', () => {
    const W = tensor([[0.5, -0.25]], { requiresGrad: true });
    const b = tensor([[0.1]], { requiresGrad: true });
    const X = tensor([[1, 2, 3], [0, 1, 0]]);
    const L = sigmoid(matmul(W, X).add(b)).named('A').mean().named('L');
    const params = new Map([[W, 'out.W'], [b, 'out.b']]);
    expect(block('dot', '## Drawing the graph')).toBe(toDot(L, { params }));
    expect(block('mermaid', '## Drawing the graph')).toBe(toMermaid(L, { params }));
  });

  it("shows the explain text of the notes' network", () => {
    const net = notesNet();
    expect(block('text', '`console.log(text)` prints:')).toBe(`${explain(net.L, net.W1)}\n`);
  });
});
