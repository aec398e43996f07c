import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import * as core from '@tapegrad/core';
import * as datasets from '@tapegrad/datasets';
import * as nn from '@tapegrad/nn';
import * as nnNode from '@tapegrad/nn/node';
import { publicExports } from './api-check.js';
import { approx, compileExample, matches, parseValue } from './tsdoc-examples.js';

// Every @example of every public export runs here, with each value its comments state checked
// (tsdoc-examples.ts says which comments count as values). An example runs with all public exports in
// scope, its own entry's (and namespace's) names taking precedence. Examples that are fragments of a
// larger program (they use a `model` or data trained elsewhere, a browser, or the file system) are
// listed below with the reason; the list may only shrink.
const LOOP = 'a step of a training loop (model, params, grads, loss from around it); nn/src/training-examples.test.ts runs it in context';
const FRAGMENTS: Record<string, string> = {
  '@tapegrad/core: detectAnomaly': 'throws an AnomalyError by design (the comment shows the message)',
  '@tapegrad/core: setKernels': 'replaces gemm with a user-supplied myGemm',
  '@tapegrad/nn: functionalCall': 'uses a model and data x, y from around it',
  '@tapegrad/nn: Optimizer': LOOP,
  '@tapegrad/nn: Optim': LOOP,
  '@tapegrad/nn: sgd': LOOP,
  '@tapegrad/nn: SGD': LOOP,
  '@tapegrad/nn: adam': LOOP,
  '@tapegrad/nn: Adam': LOOP,
  '@tapegrad/nn: AdamW': LOOP,
  '@tapegrad/nn: rmsprop': LOOP,
  '@tapegrad/nn: RMSprop': LOOP,
  '@tapegrad/nn: clipGradNorm': LOOP,
  '@tapegrad/nn: clipGrads': LOOP,
  '@tapegrad/nn: evaluate': LOOP,
  '@tapegrad/nn: predict': LOOP,
  '@tapegrad/nn: TrainingDiagnostics': 'fits a model to data from around it',
  '@tapegrad/nn: stateDict': LOOP,
  '@tapegrad/nn: loadStateDict': LOOP,
  '@tapegrad/nn: saveBytes': LOOP,
  '@tapegrad/nn: lossCurvesSvg': 'plots the history of a fit from around it',
  '@tapegrad/nn: terminalPlot': 'plots the history of a fit from around it',
  '@tapegrad/nn: decodeSafetensors': 'reads a file written elsewhere',
  '@tapegrad/nn: SerializationError': 'loads a file into a model from around it',
  '@tapegrad/nn: loadBytes': 'a browser: reads a File from an <input>',
  '@tapegrad/nn: saveBlob': 'a browser: makes a download link',
  '@tapegrad/nn: writeFileAtomic': 'writes the svg of an example around it to a file',
  '@tapegrad/nn/node: writeFileAtomic': 'writes the svg of an example around it to a file',
  '@tapegrad/nn/node: save': 'writes a model from around it to a file in the working directory',
  '@tapegrad/nn/node: SaveOptions': 'writes a model from around it to a file in the working directory',
  '@tapegrad/nn/node: load': 'reads a file written elsewhere',
  '@tapegrad/nn/node: loadInto': 'reads a file written elsewhere',
  '@tapegrad/datasets: parseCSV #2': 'a browser: fetches the file',
  '@tapegrad/datasets: parseDigits': 'a browser: fetches the file',
  '@tapegrad/datasets: parseBreastCancer': 'a browser: fetches the file',
  '@tapegrad/datasets: parseIris': 'a browser: fetches the file',
  '@tapegrad/datasets: trainTestSplit #2': 'continues example #1 (x, y from digits())',
  '@tapegrad/datasets: batches #2': 'an epoch loop over xTrain, yTrain from around it',
};

// nn's maps of tensors are immutable's OrderedMap; docs/ has no dependency of its own on immutable
const { OrderedMap } = createRequire(new URL('../packages/nn/package.json', import.meta.url))('immutable') as { OrderedMap: unknown };

const MODULES: Record<string, Record<string, unknown>> = {
  '@tapegrad/core': core,
  '@tapegrad/datasets': datasets,
  '@tapegrad/nn/node': nnNode,
  '@tapegrad/nn': nn,
};

function scopeFor(entry: string, namespace: string | null): Record<string, unknown> {
  const scope: Record<string, unknown> = { OrderedMap };
  for (const m of Object.values(MODULES)) Object.assign(scope, m);
  Object.assign(scope, MODULES[entry]);
  if (namespace !== null) Object.assign(scope, MODULES[entry][namespace] as Record<string, unknown>);
  return scope;
}

const examples = publicExports().flatMap((e) =>
  e.tags.filter((t) => t.name === 'example').map((t, i, all) => ({ ...e, key: all.length > 1 ? `${e.name} #${i + 1}` : e.name, code: t.text })),
);

describe('the values comments state', () => {
  it('parses literals, not prose', () => {
    expect(parseValue('[1, 2.718…]')).toBeDefined();
    expect(parseValue("{ format: 'pt', epochs: '100' }")).toBeDefined();
    expect(parseValue('[[2, 4], [6, 8]]  (d Σ W² / dW = 2W)')).toBeDefined();
    for (const prose of ['shape [2, 5]', 'π/4', '(1 + 0 + 4) / 3', '[n_l, m] = [2, 3]', 'e.g. 3']) expect(parseValue(prose), prose).toBeUndefined();
  });

  it('compares numbers to their printed precision', () => {
    expect(approx('0.731')).toEqual({ value: 0.731, tol: 0.0005, relative: false });
    expect(approx('2.718…')).toEqual({ value: 2.718, tol: 0.001, relative: false });
    expect(matches(Math.E, parseValue('2.718…')!.value)).toBe(true);
    expect(matches(2.7195, parseValue('2.718…')!.value)).toBe(false);
    expect(matches(core.tensor([0.5, NaN]), parseValue('[0.5, NaN]')!.value)).toBe(true);
    expect(matches(9.3576e-14, parseValue('9.358e-14')!.value)).toBe(true);
    expect(matches(9.36e-14, parseValue('9.358e-14')!.value)).toBe(false);
    expect(matches([1, 2], parseValue('[1, 2, 3]')!.value)).toBe(false);
    expect(matches(core.zeros([1, 3]), parseValue('[1, 3]')!.value)).toBe(true); // the shape of a 2-D tensor
    expect(matches(core.zeros([1, 3]), parseValue('[3, 1]')!.value)).toBe(false);
    expect(matches(core.tensor([1, 3]), parseValue('[2]')!.value)).toBe(false); // a 1-D tensor states its value
  });

  it('turns `expr; // value` and `const y = expr; // value` into checks', () => {
    const { js, lines } = compileExample("const y = exp(tensor([0])); // [1]\nsum(y); // 1\nfoo(); // prose\nimport { a } from 'b';");
    expect(lines).toEqual(['const y = exp(tensor([0])); // [1]', 'sum(y); // 1']);
    expect(js).toContain('__check(0, y)');
    expect(js).toContain('__check(1, (sum(y)))');
    expect(js).not.toContain('import');
  });
});

describe('TSDoc examples of the public API', () => {
  // examples that switch global state (anomaly detection, the kernels) must not change the next one's
  const anomaly = core.isAnomalyEnabled(), wasm = core.backend().kernels === 'wasm-simd';
  afterEach(() => {
    core.setDetectAnomaly(anomaly);
    core.useWasm(wasm);
  });

  it('finds the examples (over two hundred)', () => {
    expect(examples.length).toBeGreaterThan(200);
  });

  it('reads each example whole (a word such as @tapegrad/nn inside one would start a new tag)', () => {
    const tags = new Set(publicExports().flatMap((e) => e.tags.map((t) => t.name)));
    expect([...tags].filter((t) => !['example', 'internal', 'module', 'see', 'deprecated', 'param', 'returns', 'throws', 'remarks', 'link'].includes(t))).toEqual([]);
    expect(examples.filter((e) => e.code.split('\n').every((l) => /^\s*(\/\/.*)?$/.test(l))).map((e) => e.key), 'examples with no code').toEqual([]);
  });

  it('lists as fragments only examples that exist', () => {
    const keys = new Set(examples.map((e) => e.key));
    expect(Object.keys(FRAGMENTS).filter((k) => !keys.has(k))).toEqual([]);
  });

  for (const ex of examples) {
    if (FRAGMENTS[ex.key] !== undefined) continue;
    it(ex.key, () => {
      const { js, expected, lines } = compileExample(ex.code);
      const ran = expected.map(() => 0);
      const check = (i: number, actual: unknown): void => {
        ran[i]++;
        if (!matches(actual, expected[i])) {
          throw new Error(`${lines[i]}\n  got ${JSON.stringify(actual instanceof core.Tensor ? actual.toArray() : actual)}`);
        }
      };
      const scope = scopeFor(ex.entry, ex.namespace);
      // a block of its own, so the example may declare a name that is also an export (`const { loss, accuracy } = …`)
      new Function('__check', ...Object.keys(scope), `{\n${js}\n}`)(check, ...Object.values(scope));
      expect(lines.filter((_, i) => ran[i] === 0), 'checks that never ran').toEqual([]);
    });
  }
});
