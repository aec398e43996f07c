import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predict } from '@tapegrad/nn';
import { spawnSync } from 'node:child_process';
import { main } from './cli.js';
import { drawDot } from './debugging.js';
import { runDemo, type DemoResult } from './demo.js';
import { CNN_DEFAULTS, DEFAULTS, HELP, UsageError, parseOptions, type DemoOptions } from './options.js';
import { breastCancerTask, digitsTask } from './tasks.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stream that collects what is written, like a pipe (not a terminal). */
function collector() {
  const chunks: string[] = [];
  return { stream: { write: (s: string) => void chunks.push(s), isTTY: false }, text: () => chunks.join('') };
}

describe('parseOptions', () => {
  it('gives the defaults with no arguments and ignores a leading --', () => {
    expect(parseOptions([])).toEqual({ ...DEFAULTS, hidden: undefined, lr: undefined });
    expect(parseOptions(['--', '--epochs', '3'])).toEqual({ ...DEFAULTS, hidden: undefined, lr: undefined, epochs: 3 });
  });

  it('reads every option', () => {
    const argv = [
      '--dataset', 'digits', '--hidden', '64,32', '--activation', 'relu', '--optimizer', 'sgd', '--lr', '0.05',
      '--epochs', '7', '--batch-size', '16', '--seed', '42', '--digits-preprocessing', 'standardize',
      '--out', 'a/b.svg', '--no-gradcheck', '--explain', '--diagnostics',
    ];
    const expected: DemoOptions = {
      model: 'mlp', dataset: 'digits', hidden: [64, 32], activation: 'relu', optimizer: 'sgd', lr: 0.05, epochs: 7, batchSize: 16,
      seed: 42, digitsPreprocessing: 'standardize', out: 'a/b.svg', gradcheck: false, explain: true, diagnostics: true,
    };
    expect(parseOptions(argv)).toEqual(expected);
    expect(parseOptions(['--epochs=5', '-h'])).toBe('help');
  });

  it('gives the cnn its own defaults (digits, relu, 15 epochs) and lets the options override them', () => {
    const cnn = { ...DEFAULTS, hidden: undefined, lr: undefined, model: 'cnn', dataset: 'digits', activation: 'relu', epochs: 15 };
    expect(CNN_DEFAULTS).toEqual({ dataset: 'digits', activation: 'relu', epochs: 15 });
    expect(parseOptions(['--model', 'cnn'])).toEqual(cnn);
    expect(parseOptions(['--model=cnn', '--dataset', 'digits', '--activation', 'tanh', '--epochs', '3', '--lr', '0.002'])).toEqual({ ...cnn, activation: 'tanh', epochs: 3, lr: 0.002 });
    expect(parseOptions(['--model', 'mlp'])).toEqual(parseOptions([]));
  });

  it.each([
    [['--dataset', 'mnist'], "--dataset: expected one of digits, breast-cancer, both, got 'mnist'"],
    [['--activation', 'gelu'], "--activation: expected one of sigmoid, tanh, relu, got 'gelu'"],
    [['--optimizer', 'lbfgs'], "--optimizer: expected one of adam, adamw, rmsprop, sgd, got 'lbfgs'"],
    [['--epochs', 'ten'], "--epochs: expected an integer from 1 to 100000, got 'ten'"],
    [['--epochs', '0'], "--epochs: expected an integer from 1 to 100000, got '0'"],
    [['--epochs', '2.5'], "--epochs: expected an integer from 1 to 100000, got '2.5'"],
    [['--batch-size', ''], "--batch-size: expected an integer from 1 to 100000, got ''"],
    [['--seed=-1'], "--seed: expected an integer from 0 to 4294967295, got '-1'"],
    [['--lr', '0'], "--lr: expected a positive number, got '0'"],
    [['--lr', 'fast'], "--lr: expected a positive number, got 'fast'"],
    [['--hidden', '32,,8'], "--hidden: expected comma-separated layer sizes from 1 to 4096 (e.g. 32 or 64,32), got '32,,8'"],
    [['--hidden', '0'], "--hidden: expected comma-separated layer sizes from 1 to 4096 (e.g. 32 or 64,32), got '0'"],
    [['--out', 'loss.png'], "--out: expected a path ending in .svg, got 'loss.png'"],
    [['--digits-preprocessing', 'none'], "--digits-preprocessing: expected one of scale, standardize, got 'none'"],
    [['--model', 'resnet'], "--model: expected one of mlp, cnn, got 'resnet'"],
    [['--model', 'cnn', '--dataset', 'both'], "--dataset: the cnn (--model cnn) trains on the digits' 8×8 images only, got 'both'"],
    [['--dataset', 'breast-cancer', '--model', 'cnn'], "--dataset: the cnn (--model cnn) trains on the digits' 8×8 images only, got 'breast-cancer'"],
    [['--model', 'cnn', '--dataset', 'mnist'], "--dataset: expected one of digits, breast-cancer, both, got 'mnist'"],
    [['--model', 'cnn', '--hidden', '64'], "--hidden: sets the mlp's hidden layers; the cnn's layers are fixed (see --help), got '64'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it('rejects unknown options, missing values and positional arguments', () => {
    expect(() => parseOptions(['--bogus'])).toThrow(/Unknown option '--bogus'/);
    expect(() => parseOptions(['--epochs'])).toThrow(/--epochs/);
    expect(() => parseOptions(['digits'])).toThrow(UsageError);
    expect(() => parseOptions(['--seed', '-1'])).toThrow(/'--seed' argument is ambiguous/); // parseArgs: write --seed=-1
  });
});

describe('main (the command line)', () => {
  it('prints the help and exits 0', () => {
    const out = collector(), err = collector();
    expect(main(['--help'], out.stream, err.stream)).toBe(0);
    expect(out.text()).toBe(HELP);
    for (const option of ['--model', '--hidden', '--activation', '--optimizer', '--lr', '--epochs', '--batch-size', '--seed', '--dataset', '--out', '--no-gradcheck', '--explain', '--diagnostics']) {
      expect(HELP).toContain(option);
    }
    expect(err.text()).toBe('');
    // the cnn's architecture, stage by stage
    expect(HELP).toContain('cnn: digits only, each 8×8 image [1, 8, 8]: Conv2d(1 → 16, 3×3, padding 1),');
    expect(HELP).toContain('Flatten → 512, Dense(512 → 10); 15 epochs');
  });

  it('exits 2 with a clear message on a bad option, before doing any work', () => {
    const out = collector(), err = collector();
    expect(main(['--optimizer', 'lbfgs'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toBe("tapegrad demo: --optimizer: expected one of adam, adamw, rmsprop, sgd, got 'lbfgs'\nRun with --help to see the options.\n");
    expect(out.text()).toBe('');
  });

  it('exits 0 after a run whose gradient checks pass', () => {
    const out = collector(), err = collector();
    expect(main(['--dataset', 'breast-cancer', '--epochs', '1', '--out', join(dir, 'one.svg')], out.stream, err.stream)).toBe(0);
    expect(out.text()).toMatch(/^gradcheck \(breast cancer\) +ok, max abs error /m);
    expect(err.text()).toBe('');
  });

  it('exits 1 with the error when the run fails (the SVG cannot be written under a file)', () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const out = collector(), err = collector();
    expect(main(['--dataset', 'breast-cancer', '--epochs', '1', '--out', join(file, 'loss.svg')], out.stream, err.stream)).toBe(1);
    expect(err.text()).toMatch(new RegExp(`^tapegrad demo: Error: cannot write the loss curves to '${join(file, 'loss.svg')}': EEXIST`));
    expect(out.text()).toBe(''); // it failed before training
  });
});

describe('runDemo, 3 epochs on both data sets', () => {
  const svg = join(dir, 'curves', 'loss.svg'); // the folder does not exist yet
  let result: DemoResult, text: string;
  beforeAll(() => {
    const out = collector();
    result = runDemo({ ...DEFAULTS, epochs: 3, out: svg }, out.stream);
    text = out.text();
  });

  it('prints one plain progress line per epoch when not on a terminal', () => {
    expect(text).not.toContain('\r');
    // digits: 1437 training images in batches of 64 is 23 batches; breast cancer: 455 in 8
    for (let e = 1; e <= 3; e++) {
      expect(text).toMatch(new RegExp(`^epoch ${e}/3  23/23  loss \\d\\.\\d{4}  accuracy \\d\\.\\d{4}  valLoss \\d\\.\\d{4}  valAccuracy \\d\\.\\d{4}  \\d+(ms|\\.\\ds)$`, 'm'));
      expect(text).toMatch(new RegExp(`^epoch ${e}/3  8/8  loss `, 'm'));
    }
    expect(text).toContain('preprocessing: pixels divided by 16');
    expect(text).toContain('preprocessing: features standardized');
  });

  it('prints test accuracies that agree with the returned models', () => {
    const [digits, cancer] = result.runs;
    expect(result.runs.map((r) => [r.task, r.sizes, r.history.loss.length, r.history.valLoss!.length, r.testSize])).toEqual([
      ['digits', [64, 32, 10], 3, 3, 360],
      ['breast-cancer', [30, 16, 1], 3, 3, 114],
    ]);
    // recount from the models' predictions: argmax of the logits for digits, σ ≥ 0.5 for breast cancer
    const d = digitsTask('scale'), c = breastCancerTask();
    const digitsCorrect = Array.from(predict(digits.model, d.test.x).argmax(0).data).filter((k, j) => k === d.test.y.data[j]).length;
    const cancerCorrect = Array.from(predict(cancer.model, c.test.x).data).filter((p, j) => (p >= 0.5 ? 1 : 0) === c.test.y.data[j]).length;
    expect([digits.testCorrect, cancer.testCorrect]).toEqual([digitsCorrect, cancerCorrect]);
    expect(digits.testAccuracy).toBeCloseTo(digitsCorrect / 360, 12);
    expect(text).toContain(`digits: test accuracy ${((100 * digitsCorrect) / 360).toFixed(2)}% (${digitsCorrect}/360 correct)`);
    expect(text).toContain(`breast cancer: test accuracy ${((100 * cancerCorrect) / 114).toFixed(2)}% (${cancerCorrect}/114 correct)`);
    // three epochs of Adam already beat chance (10% and 63% benign) by far
    expect(digits.testAccuracy).toBeGreaterThan(0.6);
    expect(digits.history.loss[2]).toBeLessThan(digits.history.loss[0]);
  });

  it('prints a passing gradcheck report for each network', () => {
    expect(result.gradchecks.map((g) => [g.task.name, g.numParameters, g.examples, g.report.ok, g.report.mode])).toEqual([
      ['digits', 64 * 32 + 32 + 32 * 10 + 10, 16, true, 'full'],
      ['breast-cancer', 30 * 16 + 16 + 16 + 1, 16, true, 'full'],
    ]);
    for (const g of result.gradchecks) expect(g.report.maxAbsError).toBeLessThan(1e-6);
    expect(text).toContain('gradcheck: digits network in float64, all 2410 parameters, loss on 16 test examples');
    expect(text).toContain('gradcheck: breast cancer network in float64, all 513 parameters, loss on 16 test examples');
    expect(text.match(/^ {2}ok {11}true /gm)).toHaveLength(2);
    expect(text).toMatch(/^ {2}maxAbsError {2}\d\.\d\de-\d+$/m);
    expect(text).toMatch(/^ {2}worst {8}∂loss\/∂layers\.\d\.[Wb]\[\d+, \d+\]: analytical -?\d/m);
  });

  it('draws the curves in the terminal and writes the SVG, printing its absolute path', () => {
    expect(result.svgPath).toBe(svg);
    expect(text).toContain(`loss curves (SVG): ${svg}\n`);
    const doc = readFileSync(svg, 'utf8');
    expect(doc.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1120" height="380"')).toBe(true);
    expect(doc).toContain('>digits: loss per epoch</text>');
    expect(doc).toContain('>breast cancer: loss per epoch</text>');
    expect(doc.match(/<polyline /g)).toHaveLength(4); // train and test in each panel
    expect(text).toContain('digits: train and test loss per epoch (log scale)');
    expect(text).toMatch(/ ← (train|test)/); // curves named where they end (no color in a pipe)
    expect(existsSync(join(dir, 'curves'))).toBe(true);
  });

  it('explains and diagnoses nothing unless asked', () => {
    expect([result.explained, result.diagnosticsPaths, result.runs.map((r) => r.diagnostics)]).toEqual([[], [], [null, null]]);
    expect(text).not.toMatch(/explain|diagnostics|graph \(/);
  });
});

describe('runDemo --explain --diagnostics', () => {
  const folder = join(dir, 'debug');
  let result: DemoResult, text: string;
  beforeAll(() => {
    const out = collector();
    result = runDemo({ ...DEFAULTS, dataset: 'breast-cancer', epochs: 2, gradcheck: false, explain: true, diagnostics: true, out: join(folder, 'loss.svg') }, out.stream);
    text = out.text();
  });

  it("prints explain for the first layer's weights and writes the graph as DOT, and as SVG when dot is on PATH", () => {
    const [e] = result.explained;
    expect(text).toContain("breast cancer: the chain rule for the first layer's weights, on the training loss (explain)\n");
    expect(text).toContain('∂L/∂layers.0.W = Σ over 6 paths (the sweep adds their contributions where the paths meet)\n');
    expect(text).toContain('path 1: ∂L/∂A[2] · ∂A[2]/∂Z[2] · ∂Z[2]/∂A[1] · ∂A[1]/∂Z[1] · ∂Z[1]/∂layers.0.W\n');
    expect(text).toMatch(/^ {2}∂A\[1\]\/∂Z\[1\] +sigmoid +\[16, 455\] → \[16, 455\] +dZ = dA ⊙ σ\(Z\)\(1 − σ\(Z\)\) +\d/m);
    expect(e.dotPath).toBe(join(folder, 'tapegrad-demo-graph-breast-cancer.dot'));
    expect(text).toContain(`graph (DOT): ${e.dotPath}\n`);
    const dot = readFileSync(e.dotPath, 'utf8');
    expect(dot.startsWith('digraph tapegrad {')).toBe(true);
    expect(dot).toContain('[label="layers.0.W\\n[16, 30] float32"');
    if (spawnSync('dot', ['-V']).error === undefined) {
      expect(e.svgPath).toBe(join(folder, 'tapegrad-demo-graph-breast-cancer.svg'));
      expect(readFileSync(e.svgPath!, 'utf8')).toContain('<svg');
      expect(text).toContain(`graph (SVG): ${e.svgPath}\n`);
    } else {
      expect(text).toContain("graph (SVG): not drawn, 'dot' is not on PATH");
    }
  });

  it('says why the SVG is not drawn when dot is missing or fails', () => {
    expect(drawDot('g.dot', 'g.svg', 'tapegrad-no-such-dot')).toBe("'tapegrad-no-such-dot' is not on PATH: install Graphviz (Debian: apt-get install graphviz) to draw it");
    expect(drawDot(join(dir, 'missing.dot'), join(dir, 'g.svg'), process.execPath)).toMatch(/exited with 9/); // node: bad option -Tsvg
  });

  it('records the diagnostics per epoch while training and draws them in the terminal and as SVG', () => {
    const diagnostics = result.runs[0].diagnostics!;
    expect(diagnostics.records.map((r) => [r.epoch, r.steps])).toEqual([[0, 8], [1, 8]]); // 455 examples in batches of 64
    expect(Object.keys(diagnostics.records[0].gradNorm)).toEqual(['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']);
    expect(Object.keys(diagnostics.records[0].saturated)).toEqual(['layers.0', 'layers.1']);
    expect(text).toContain('gradient norm ‖∂L/∂θ‖ per parameter (log scale), per epoch\n');
    expect(text).toContain('update / weight ratio ‖Δθ‖/‖θ‖ per step (log scale), per epoch\n');
    const path = join(folder, 'tapegrad-demo-diagnostics-breast-cancer.svg');
    expect(result.diagnosticsPaths).toEqual([path]);
    expect(text).toContain(`diagnostics (SVG): ${path}\n`);
    expect(readFileSync(path, 'utf8').match(/<svg x=/g)).toHaveLength(3);
  });
});

describe('runDemo options', () => {
  const quiet = (options: Partial<DemoOptions>) =>
    runDemo({ ...DEFAULTS, dataset: 'breast-cancer', epochs: 2, gradcheck: false, out: join(dir, 'o.svg'), ...options }, collector().stream);

  it('is reproducible from its seed', () => {
    const a = quiet({ seed: 5 }), b = quiet({ seed: 5 }), c = quiet({ seed: 6 });
    expect(a.runs[0].history).toEqual(b.runs[0].history);
    expect(c.runs[0].history.loss).not.toEqual(a.runs[0].history.loss);
    expect(a.gradchecks).toEqual([]);
  });

  it('builds the architecture, optimizer and learning rate asked for', () => {
    const out = collector();
    const r = runDemo({ ...DEFAULTS, dataset: 'digits', hidden: [20, 12], activation: 'tanh', optimizer: 'rmsprop', lr: 0.003, epochs: 1, gradcheck: false, out: join(dir, 'p.svg') }, out.stream);
    expect(r.runs.map((x) => x.sizes)).toEqual([[64, 20, 12, 10]]);
    expect(r.runs[0].model.toString()).toContain('Dense(64 → 20, tanh)');
    expect(out.text()).toContain('training: rmsprop (lr 0.003), batch 64, 1 epochs, seed 0');
    const sgd = collector();
    runDemo({ ...DEFAULTS, dataset: 'breast-cancer', optimizer: 'sgd', epochs: 1, gradcheck: false, out: join(dir, 'q.svg') }, sgd.stream);
    expect(sgd.text()).toContain('training: sgd (lr 0.01, momentum 0.9)'); // the breast-cancer default for SGD
  });
});
