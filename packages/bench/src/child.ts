/**
 * A child process measuring one library: `node dist/child.js '<RunConfig as JSON>'`. It sends each
 * case and then the whole result to the parent over the IPC channel (stdout is left to the libraries,
 * some of which print banners).
 */
import type { RunConfig } from './protocol.js';
import { runLibrary } from './run.js';

const send = (msg: unknown): Promise<void> =>
  new Promise((resolve, reject) => process.send!(msg, undefined, {}, (e) => (e ? reject(e) : resolve())));

const cfg = JSON.parse(process.argv[2]) as RunConfig;
try {
  const result = await runLibrary(cfg, (c) => void send({ type: 'case', case: c }));
  await send({ type: 'done', result });
} catch (e) {
  await send({ type: 'failed', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
process.exit(0);
