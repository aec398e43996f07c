import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from './demo.js';
import { DEFAULTS } from './options.js';

/**
 * The acceptance bars of issue 3 for `pnpm demo` as it runs by default (100 epochs, Adam, batch 64,
 * seed 0, every fifth example as the test set). The PyTorch reference reaches about 97% on digits.
 */
describe('the default demo meets the accuracy bars', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-demo-accuracy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('digits ≥ 96.5%, breast cancer ≥ 96%, and the trained networks pass gradcheck', () => {
    const result = runDemo({ ...DEFAULTS, out: join(dir, 'loss.svg') }, { write: () => true, isTTY: false });
    const [digits, cancer] = result.runs;
    expect([digits.task, digits.history.loss.length, cancer.task, cancer.history.loss.length]).toEqual(['digits', 100, 'breast-cancer', 100]);
    expect(digits.testAccuracy).toBeGreaterThanOrEqual(0.965); // at least 348 of 360
    expect(cancer.testAccuracy).toBeGreaterThanOrEqual(0.96); // at least 110 of 114
    expect(result.gradchecks.map((g) => g.report.ok)).toEqual([true, true]);
  });
});
