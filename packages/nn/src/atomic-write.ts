import type * as NodeFs from 'node:fs';
import type * as NodePath from 'node:path';
import { TapegradError } from '@tapegrad/core';

/**
 * Node's `fs` and `path`, looked up when a file is written instead of imported at the top, so that
 * this module imports no Node built-in and the main entry, which re-exports `writeFileAtomic` for
 * existing callers, still bundles for a browser (core finds `worker_threads` the same way).
 */
function nodeModules(): { fs: typeof NodeFs; path: typeof NodePath; pid: number } {
  const proc = (globalThis as { process?: { pid: number; getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as typeof NodeFs | undefined;
  const path = proc?.getBuiltinModule?.('node:path') as typeof NodePath | undefined;
  if (proc === undefined || fs === undefined || path === undefined) {
    throw new TapegradError('writeFileAtomic', 'writing a file needs Node ≥ 20.16 (process.getBuiltinModule); in a browser, download saveBlob(model) instead');
  }
  return { fs, path, pid: proc.pid };
}

const randomHex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

/** The file operations an atomic write needs (a subset of `node:fs`); injectable to test failures. */
export interface AtomicFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

/**
 * Writes `bytes` to `path` atomically: to `path.tmp-<pid>-<random>` in the same directory, fsync,
 * then rename over `path` (atomic on POSIX file systems). Readers see the old file or the new one,
 * never a partial one; on any error the temporary file is removed and the old file is untouched.
 *
 * @example
 * writeFileAtomic('loss.svg', new TextEncoder().encode(svg));
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, injected?: AtomicFs): void {
  const { fs: nodeFs, path: { basename, dirname, join }, pid } = nodeModules();
  const fs = injected ?? nodeFs;
  const tmp = join(dirname(path), `${basename(path)}.tmp-${pid}-${randomHex(6)}`);
  let fd = fs.openSync(tmp, 'wx', 0o644); // 'wx': never reuse a file that happens to exist
  try {
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd); // the data is on disk before the rename makes it visible
    const open = fd;
    fd = -1;
    fs.closeSync(open);
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing; the original error is the one to report */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* it may not exist */
    }
    throw e;
  }
  try {
    // make the rename itself durable; not every platform lets a directory be opened, so best effort
    const dirFd = fs.openSync(dirname(path), 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch {
    /* best effort */
  }
}
