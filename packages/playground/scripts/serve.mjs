/**
 * Serves dist/ on 127.0.0.1 with the two headers that make the page cross-origin isolated
 * (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp), without which a
 * browser gives no SharedArrayBuffer and tapegrad computes on one thread. PORT picks the port (default
 * 8080; 0 for any free one); the URL is printed on the first line.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json',
  '.gz': 'application/gzip', '.png': 'image/png', '.ico': 'image/x-icon',
};

if (!existsSync(join(dist, 'index.html'))) {
  console.error('dist/ is missing: run `pnpm --filter @tapegrad/playground build` first (or `pnpm playground`)');
  process.exit(1);
}

const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(dist, path.endsWith('/') ? join(path, 'index.html') : path);
  if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cache-Control': 'no-store',
  });
  createReadStream(file).pipe(res);
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`tapegrad playground: http://127.0.0.1:${server.address().port}/`);
});
