import { execFileSync } from 'node:child_process';
import { OrderedMap } from 'immutable';
import { describe, expect, it } from 'vitest';
import { TapegradError, matmul, sigmoid, sub, tapeOf, tensor, toDot, toMermaid, type Tensor } from '@tapegrad/core';
import { notesNet } from './notes-net.testkit.js';

/** Graphviz's `dot` when installed (CI installs Debian's graphviz); the rendering tests skip without it. */
const DOT = (() => {
  try {
    execFileSync('dot', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('debug/export.test.ts: graphviz `dot` is not on PATH; skipping the tests that render DOT (apt-get install graphviz)');
    return false;
  }
})();
const renderSvg = (dot: string): string => execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });

/** A Mermaid flowchart's nodes (id → label) and edges, read back; fails on any line it does not expect. */
function readMermaid(text: string): { nodes: Map<string, string>; edges: string[]; classes: Map<string, string[]> } {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('flowchart BT');
  const nodes = new Map<string, string>();
  const edges: string[] = [];
  const classes = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const node = /^ {2}(\w+)(?:\["(.*)"\]|\(\["(.*)"\]\)|\[\/"(.*)"\/\])$/.exec(line);
    const edge = /^ {2}(\w+) --> (\w+)$/.exec(line);
    const cls = /^ {2}class ([\w,]+) (\w+)$/.exec(line);
    if (node) {
      const label = node[2] ?? node[3] ?? node[4];
      // inside a label, quotes and brackets must be entity codes, or Mermaid ends the node there
      expect(label.replaceAll('<br/>', ''), line).not.toMatch(/["[\](){}<>|]/);
      nodes.set(node[1], label.replaceAll('<br/>', '\n'));
    } else if (edge) edges.push(`${edge[1]}->${edge[2]}`);
    else if (cls) classes.set(cls[2], cls[1].split(','));
    else expect(line, 'unexpected line').toMatch(/^ {2}classDef \w+ [\w:#,\- .]+$/);
  }
  for (const e of edges) for (const id of e.split('->')) expect(nodes.has(id), `edge ${e}`).toBe(true);
  return { nodes, edges, classes };
}

/** `#91;` → `[` etc., as Mermaid renders a label. */
const unescape = (s: string): string =>
  s.replace(/#(quot|lt|gt|\d+);/g, (_, c: string) => (c === 'quot' ? '"' : c === 'lt' ? '<' : c === 'gt' ? '>' : String.fromCharCode(Number(c))));

describe('toDot', () => {
  it('writes one node per op, parameters and constants apart, edges from inputs to ops', () => {
    const W = tensor([[1, 2]], { requiresGrad: true });
    const A = tensor([[3], [4]]);
    const L = matmul(W, A).sum().named('L');
    expect(toDot(L, { params: new Map([[W, 'layer.W']]) })).toBe(
      [
        'digraph tapegrad {',
        '  rankdir=BT;',
        '  node [fontname="Helvetica", fontsize=11];',
        `  op0 [label="matmul\\n[1, 1] float32", shape=box, style="rounded"];`,
        '  param0 [label="layer.W\\n[1, 2] float32", shape=box, style="filled", fillcolor="#dbeafe"];',
        '  const0 [label="const\\n[2, 1] float32", shape=box, style="dashed", color="#888888", fontcolor="#555555"];',
        `  op1 [label="L = sum\\n[] float32", shape=box, style="rounded", penwidth=2];`,
        `  param0 -> op0;`,
        `  const0 -> op0;`,
        `  op0 -> op1;`,
        '}',
        '',
      ].join('\n'),
    );
  });

  it('draws the notes network: every op of the tape once, parameters by their dotted names', () => {
    const net = notesNet(false);
    const params = OrderedMap<string, Tensor>([['layers.0.W', net.W1], ['layers.0.b', net.b1], ['layers.1.W', net.W2], ['layers.1.b', net.b2]]);
    const dot = toDot(net.L, { params });
    const ops = tapeOf(net.L).toArray();
    const opLabels = [...dot.matchAll(/^ {2}op\d+ \[label="([^\\"]*)\\n/gm)].map((m) => m[1]);
    expect(opLabels).toEqual(['matmul', 'Z[1] = add', 'A[1] = sigmoid', 'matmul', 'Z[2] = add', 'A[2] = sigmoid', 'L = sum']);
    expect(opLabels.map((l) => l.split(' = ').at(-1))).toEqual(ops.map((e) => e.op));
    for (const name of params.keySeq()) expect(dot).toContain(`[label="${name}\\n`);
    expect(dot).toContain('[label="A[1] = sigmoid\\n[3, 3] float64"');
    expect(dot.match(/ -> /g)).toHaveLength(ops.reduce((n, e) => n + e.inputs.length, 0));
  });

  it.skipIf(!DOT)('is accepted by dot -Tsvg, names with quotes, brackets and backslashes included', () => {
    const net = notesNet();
    net.A1.named('A "hidden" [1] \\ {x} <y>\nline 2');
    const svg = renderSvg(toDot(net.L));
    expect(svg).toContain('<svg');
    // Graphviz writes the label's text back, XML-escaped, one <text> per line
    expect(svg).toContain('A &quot;hidden&quot; [1] \\ {x} &lt;y&gt;');
    expect(svg).toContain('line 2 = sigmoid');
    expect(svg).toContain('W[1]');
  });

  it('labels a parameter from a module (anything with parameters()) and a one-element constant by its value', () => {
    const W = tensor([2], { requiresGrad: true });
    const module = { parameters: () => OrderedMap([['lin.W', W]]) };
    const dot = toDot(sub(1, sigmoid(W)), { params: module });
    expect(dot).toContain('param0 [label="lin.W\\n[1] float32"');
    expect(dot).toContain('const0 [label="1\\n[] float32"');
  });

  it('draws a tracked leaf alone, and refuses what has no graph or bad params', () => {
    const W = tensor([1, 2], { requiresGrad: true });
    expect(toDot(W)).toContain('param0 [label="leaf\\n[2] float32", shape=box, style="filled", fillcolor="#dbeafe", penwidth=2];');
    expect(() => toDot(tensor([1]))).toThrow(TapegradError);
    expect(() => toDot([1, 2] as never)).toThrow("toDot: argument 'loss': expected a Tensor, got an array");
    expect(() => toDot(tensor([1]))).toThrow("toDot: argument 'loss': this tensor does not require grad");
    expect(() => toDot(W.sum(), { params: new Map([['W', 3]]) as never })).toThrow("toDot: argument 'params': expected entries [Tensor, name] or [name, Tensor]");
    expect(() => toMermaid(W.sum(), { params: 3 as never })).toThrow("toMermaid: argument 'params': expected a Map<Tensor, string>");
  });
});

describe('the TSDoc examples', () => {
  it('toDot: the edges of W·x summed', () => {
    const W = tensor([[1, 2]], { requiresGrad: true });
    const L = W.matmul(tensor([[3], [4]])).sum().named('L');
    expect(toDot(L, { params: new Map([[W, 'layer.W']]) }).split('\n').filter((l) => l.includes('->'))).toEqual(['  param0 -> op0;', '  const0 -> op0;', '  op0 -> op1;']);
  });

  it('toMermaid: the first lines for a summed parameter', () => {
    const W = tensor([1, 2], { requiresGrad: true });
    expect(toMermaid(W.sum().named('L')).split('\n').slice(0, 3)).toEqual(['flowchart BT', '  op0["L = sum<br/>#91;#93; float32"]', '  param0(["leaf<br/>#91;2#93; float32"])']);
  });
});

describe('toMermaid', () => {
  it('writes the notes network as a flowchart with the expected nodes, edges and classes', () => {
    const net = notesNet();
    const [mm1, z1, a1, mm2, z2, a2, l] = ['op0', 'op1', 'op2', 'op3', 'op4', 'op5', 'op6'];
    const { nodes, edges, classes } = readMermaid(toMermaid(net.L));
    expect([...nodes].map(([id, label]) => `${id}: ${unescape(label)}`)).toEqual([
      `${mm1}: matmul\n[3, 3] float64`,
      'param0: W[1]\n[3, 2] float64',
      'const0: const\n[2, 3] float64',
      `${z1}: Z[1] = add\n[3, 3] float64`,
      'param1: b[1]\n[3, 1] float64',
      `${a1}: A[1] = sigmoid\n[3, 3] float64`,
      `${mm2}: matmul\n[1, 3] float64`,
      'param2: W[2]\n[1, 3] float64',
      `${z2}: Z[2] = add\n[1, 3] float64`,
      'param3: b[2]\n[1, 1] float64',
      `${a2}: A[2] = sigmoid\n[1, 3] float64`,
      `${l}: L = sum\n[] float64`,
    ]);
    expect(edges).toEqual([
      `param0->${mm1}`, `const0->${mm1}`, `${mm1}->${z1}`, `param1->${z1}`, `${z1}->${a1}`,
      `param2->${mm2}`, `${a1}->${mm2}`, `${mm2}->${z2}`, `param3->${z2}`, `${z2}->${a2}`, `${a2}->${l}`,
    ]);
    expect(Object.fromEntries(classes)).toEqual({ param: ['param0', 'param1', 'param2', 'param3'], constant: ['const0'], loss: [l] });
  });

  it('escapes quotes, brackets and # in labels as entity codes, line breaks as <br/>', () => {
    const x = tensor([1], { requiresGrad: true }).named('x "a" [b] (c) {d} <e> |f| #g\nline 2');
    const { nodes } = readMermaid(toMermaid(x.exp()));
    expect(nodes.get('param0')).toBe('x #quot;a#quot; #91;b#93; #40;c#41; #123;d#125; #lt;e#gt; #124;f#124; #35;g\nline 2\n#91;1#93; float32');
    expect(unescape(nodes.get('param0')!)).toBe('x "a" [b] (c) {d} <e> |f| #g\nline 2\n[1] float32');
  });
});
