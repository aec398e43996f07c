import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';

/** A fresh copy of the module, so each case starts with no setting and no warning given. */
async function freshThreads(): Promise<typeof import('./wasm-threads.js')> {
  vi.resetModules();
  return import('./wasm-threads.js');
}

const HEADERS = ['Cross-Origin-Opener-Policy: same-origin', 'Cross-Origin-Embedder-Policy: require-corp'];

describe('threads without cross-origin isolation', () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
  });

  it('setNumThreads(2) on a page that is not isolated warns once, naming both headers', async () => {
    const threads = await freshThreads();
    vi.stubGlobal('crossOriginIsolated', false); // what a browser reports without COOP/COEP
    threads.setNumThreads(2);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    for (const header of HEADERS) expect(message).toContain(header);
    expect(message).toContain('setNumThreads asked for 2 threads');
    const inEffect = threads.setNumThreads(3); // clamped to the cores
    expect(threads.numThreads()).toBe(inEffect); // the setting stands; only the warning is not repeated
    expect(inEffect).toBeGreaterThanOrEqual(2);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('warns for a default above 1 where SharedArrayBuffer is missing', async () => {
    const threads = await freshThreads();
    vi.stubEnv('TAPEGRAD_THREADS', '3');
    vi.stubGlobal('SharedArrayBuffer', undefined);
    expect(threads.numThreads()).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('the default is 3 threads');
  });

  it('stays silent for one thread, on an isolated page, and in Node', async () => {
    const threads = await freshThreads();
    vi.stubGlobal('crossOriginIsolated', false);
    threads.setNumThreads(1); // one thread needs no shared memory
    vi.stubGlobal('crossOriginIsolated', true);
    threads.setNumThreads(4);
    vi.unstubAllGlobals(); // Node: SharedArrayBuffer, and no crossOriginIsolated at all
    threads.setNumThreads(2);
    expect(warn).not.toHaveBeenCalled();
  });
});
