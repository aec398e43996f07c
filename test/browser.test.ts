import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, serve, type Files } from './browser.js';
import { packedProject, type PackedProject } from './packed.js';

// The packed packages bundled for a page as a user would (esbuild, from an npm project), in real
// headless Chromium. In-page code is passed as strings: a function would be serialized after this
// file's transform, which may have rewritten it.
const missing = chromiumMissing();
if (missing) console.warn(`browser tests skipped: ${missing}`);

describe.skipIf(missing !== null)('tapegrad in headless Chromium (packed packages, bundled with esbuild)', () => {
  let project: PackedProject;
  let browser: Browser;
  const servers: { close(): Promise<void> }[] = [];
  let isolatedUrl = '';
  let plainUrl = '';

  beforeAll(async () => {
    project = packedProject();
    writeFileSync(join(project.dir, 'page.js'), [
      "import * as core from '@tapegrad/core';",
      "import * as nn from '@tapegrad/nn';",
      'window.tapegrad = { core, nn };',
    ].join('\n'));
    const bundle = await build({
      entryPoints: [join(project.dir, 'page.js')], bundle: true, platform: 'browser', format: 'esm',
      write: false, logLevel: 'silent', absWorkingDir: project.dir,
    });
    const files: Files = {
      'index.html': '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>tapegrad</title><script type="module" src="bundle.js"></script>',
      'bundle.js': bundle.outputFiles[0].text,
    };
    const isolated = await serve(files, true);
    const plain = await serve(files, false);
    servers.push(isolated, plain);
    [isolatedUrl, plainUrl] = [isolated.url, plain.url];
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  /** A fresh page at `url` with the bundle loaded, and the console messages it logs. */
  async function open(url: string): Promise<{ page: Page; console: string[] }> {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.waitForFunction('window.tapegrad !== undefined');
    return { page, console: messages };
  }

  it('trains a small network (XOR) and runs on the WebAssembly SIMD kernels', async () => {
    const { page, console } = await open(plainUrl);
    const result = await page.evaluate(`(() => {
      const { core, nn } = window.tapegrad;
      const x = core.tensor([[0, 0, 1, 1], [0, 1, 0, 1]]);
      const y = core.tensor([[0, 1, 1, 0]]);
      const g = new core.Generator(1);
      const model = new nn.Sequential(new nn.Dense(2, 8, { activation: 'tanh', generator: g }), new nn.Dense(8, 1, { generator: g }));
      const history = nn.fit(model, { x, y }, { epochs: 300, batchSize: 4, loss: nn.binaryCrossEntropy, optimizer: new nn.Adam(model, { lr: 0.05 }), verbose: 0 });
      core.matmul(core.ones([64, 64]), core.ones([64, 64])); // a product large enough for the WASM gemm
      return { predicted: Array.from(nn.predict(model, x).data, Math.round), first: history.loss[0], last: history.loss.at(-1),
               backend: core.backend(), bytes: nn.saveBytes(model).length };
    })()`) as { predicted: number[]; first: number; last: number; backend: { kernels: string }; bytes: number };
    expect(result.predicted).toEqual([0, 1, 1, 0]);
    expect(result.last).toBeLessThan(result.first / 10);
    expect(result.backend.kernels).toBe('wasm-simd');
    expect(result.bytes).toBeGreaterThan(8 * 4 * 2); // the safetensors bytes of 2·8 + 8 + 8 + 1 floats and a header
    expect(console.filter((m) => m.startsWith('pageerror') || m.startsWith('error'))).toEqual([]);
    await page.close();
  });

  // A 256×256 float32 product (threaded from 2^21 multiply-adds and 256 rows), many times: the first
  // ones start the workers, which then share the
  // rows of C. Its values are checked against a plain JS triple loop.
  const THREADED_GEMM = `(async () => {
    const { core } = window.tapegrad;
    core.setNumThreads(2);
    const n = 256;
    const A = core.rand([n, n], { generator: new core.Generator(3) });
    const B = core.rand([n, n], { generator: new core.Generator(4) });
    let C;
    for (let i = 0; i < 20; i++) {
      C = core.matmul(A, B);
      await new Promise((r) => setTimeout(r, 5)); // let workers start and report ready
    }
    const a = A.data, b = B.data, c = C.data;
    let worst = 0;
    for (let r = 0; r < n; r += 7) for (let j = 0; j < n; j += 5) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[r * n + k] * b[k * n + j];
      worst = Math.max(worst, Math.abs(s - c[r * n + j]) / Math.abs(s));
    }
    return { isolated: globalThis.crossOriginIsolated, backend: core.backend(), worst };
  })()`;

  it('runs threaded gemm on a page served with COOP/COEP (cross-origin isolated)', async () => {
    const { page, console } = await open(isolatedUrl);
    const result = await page.evaluate(THREADED_GEMM) as { isolated: boolean; backend: { kernels: string; threads: number; relaxedSimd: boolean }; worst: number };
    expect(result.isolated).toBe(true);
    // Chromium has relaxed SIMD (since 114): the gemm multiplies and adds fused, on every thread.
    expect(result.backend).toEqual({ kernels: 'wasm-simd', threads: 2, relaxedSimd: true });
    expect(result.worst).toBeLessThan(1e-5);
    // the thread pool's Web Worker exists (one besides the page's own thread)
    expect(page.workers().length).toBe(1);
    expect(console.filter((m) => m.startsWith('pageerror') || m.startsWith('error'))).toEqual([]);
    await page.close();
  });

  it('without COOP/COEP, falls back to one thread and still computes', async () => {
    const { page } = await open(plainUrl);
    const result = await page.evaluate(THREADED_GEMM) as { isolated: boolean; backend: { kernels: string; threads: number; relaxedSimd: boolean }; worst: number };
    expect(result.isolated).toBe(false);
    expect(result.backend).toEqual({ kernels: 'wasm-simd', threads: 1, relaxedSimd: true });
    expect(result.worst).toBeLessThan(1e-5);
    expect(page.workers()).toEqual([]);
    await page.close();
  });

  it('without COOP/COEP, warns once on the console that threads need cross-origin isolation', async () => {
    const threadsWarning = (m: string) => m.startsWith('warning: tapegrad:') && m.includes('Cross-Origin-Opener-Policy: same-origin') && m.includes('Cross-Origin-Embedder-Policy: require-corp');
    const plain = await open(plainUrl);
    await plain.page.evaluate(THREADED_GEMM);
    await plain.page.evaluate(THREADED_GEMM);
    expect(plain.console.filter(threadsWarning)).toHaveLength(1);
    await plain.page.close();
    const isolated = await open(isolatedUrl);
    await isolated.page.evaluate(THREADED_GEMM);
    expect(isolated.console.filter(threadsWarning)).toEqual([]);
    await isolated.page.close();
  });
});
