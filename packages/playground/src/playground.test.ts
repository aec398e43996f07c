import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from '../../../test/browser.js';

// `pnpm playground` as a person uses it: built, served by its own server (COOP/COEP), opened in headless
// Chromium; training in the worker, then a digit drawn with the mouse. UPDATE_SCREENSHOT=1 also writes
// the screenshot that docs/browser.md shows.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const missing = chromiumMissing();
if (missing) console.warn(`playground test skipped: ${missing}`);

/** A "0" as a person draws one on the 8×8 grid: a ring, as [row, column] cells in stroke order. */
const ZERO: [number, number][] = [[0, 3], [0, 4], [1, 5], [2, 6], [3, 6], [4, 6], [5, 6], [6, 5], [7, 4], [7, 3], [6, 2], [5, 1], [4, 1], [3, 1], [2, 1], [1, 2], [0, 3]];
/** A "1": a vertical stroke down the middle. */
const ONE: [number, number][] = [[0, 4], [1, 4], [2, 4], [3, 4], [4, 4], [5, 4], [6, 4], [7, 4]];

describe.skipIf(missing !== null)('pnpm playground in headless Chromium', () => {
  let server: ChildProcess;
  let url: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'ignore' });
    server = spawn(process.execPath, ['scripts/serve.mjs'], { cwd: root, env: { ...process.env, PORT: '0' } });
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => {
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(d.toString());
        if (m) resolve(m[0]);
      });
      server.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  async function draw(cells: [number, number][]) {
    const box = (await page.locator('#grid').boundingBox())!;
    const at = ([r, c]: [number, number]) => [box.x + ((c + 0.5) * box.width) / 8, box.y + ((r + 0.5) * box.height) / 8] as const;
    await page.click('#clear');
    await page.mouse.move(...at(cells[0]));
    await page.mouse.down();
    for (const cell of cells.slice(1)) await page.mouse.move(...at(cell), { steps: 4 });
    await page.mouse.up();
  }

  it('trains to at least 95% test accuracy in a worker, with the curves, the gradcheck and the tape', async () => {
    await page.goto(url);
    expect(await page.evaluate('globalThis.crossOriginIsolated')).toBe(true);
    await page.waitForSelector('body[data-state="trained"], body[data-state="error"]', { timeout: 120_000 });
    expect(await page.textContent('#status')).toMatch(/^epoch 60\/60 · training loss \d\.\d{4} · test loss \d\.\d{4} · \d+ ms · done/);
    const accuracy = Number(await page.getAttribute('body', 'data-accuracy'));
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(await page.textContent('#data')).toBe('1437 training and 360 test images (every fifth held out); kernels: wasm-simd, threads: 2');
    expect(await page.textContent('#gradcheck')).toMatch(/^ok {11}true .*\nparameters {3}all 2410, loss on 16 test images/);
    const ops = await page.$$eval('#tape tr', (rows) => rows.map((r) => r.children[1].textContent));
    // the notes' layers, then the loss (whose reduction is nn's business)
    expect(ops.slice(0, 5)).toEqual(['matmul', 'add', 'sigmoid', 'matmul', 'add']);
    expect(ops[5]).toMatch(/^softmaxCrossEntropy/);
    expect(errors).toEqual([]);
  }, 150_000);

  it('classifies a digit drawn with the mouse', async () => {
    await draw(ZERO);
    await expect.poll(() => page.textContent('#predicted')).toBe('0');
    await draw(ONE);
    await expect.poll(() => page.textContent('#predicted')).toBe('1');
    const bars = await page.$$eval('.bar b', (b) => b.map((e) => Number.parseFloat(e.textContent!)));
    expect(bars).toHaveLength(10);
    expect(bars[1]).toBe(Math.max(...bars));
    expect(bars.reduce((s, p) => s + p, 0)).toBeCloseTo(100, 0);
    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    if (process.env.UPDATE_SCREENSHOT) writeFileSync(join(root, '../../docs/playground.png'), png);
  });
});
