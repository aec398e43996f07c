/**
 * Real headless Chromium for the browser tests: the system's browser (Debian's `chromium`, which
 * .ci/run installs), driven by playwright-core, which downloads nothing. And a tiny static server on
 * 127.0.0.1 that serves a page with or without the COOP/COEP headers threads need.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/** The Chromium to drive: $CHROMIUM_PATH, else the first of chromium, chromium-browser, google-chrome on PATH. */
export function findChromium(): string | null {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      /* not this one */
    }
  }
  return null;
}

/**
 * Why the browser tests cannot run here, or null when they can. Without a Chromium they are skipped,
 * except in CI (CI set), where a missing browser is an error: .ci/run installs one.
 */
export function chromiumMissing(): string | null {
  if (findChromium() !== null) return null;
  const why = 'no Chromium found (install Debian\'s chromium: apt-get install -y chromium, or set CHROMIUM_PATH)';
  if (process.env.CI) throw new Error(`browser tests must run in CI, but ${why}`);
  return why;
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: findChromium()!, headless: true, args: ['--no-sandbox'] });
}

export type Files = Record<string, string | Uint8Array>;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
  json: 'application/json', png: 'image/png', gz: 'application/gzip', map: 'application/json',
};

/** The two headers that make a page cross-origin isolated, so SharedArrayBuffer and threads exist. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** Serves `files` ('/' is index.html) on 127.0.0.1, with the COOP/COEP headers when `isolated`. */
export async function serve(files: Files, isolated: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html').slice(1);
    const body = files[path];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.split('.').pop()!] ?? 'application/octet-stream', ...(isolated ? ISOLATION_HEADERS : {}) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
