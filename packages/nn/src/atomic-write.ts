import type * as NodeFs from 'node:fs';
import type * as NodePath from 'node:path';
import { TapegradError } from '@tapegrad/core';

/**
 * Node's `fs` and `path`, looked up when a file is written instead of imported at the top, so that
 * this module imports no Node built-in and the main entry, which re-exports `writeFileAtomic` for
 * existing callers, still bundles for a browser (core finds `worker_threads` the same way).
 */
function nodeModules(): { fs: typeof NodeFs; path: typeof NodePath; proc: NodeProcess } {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as typeof NodeFs | undefined;
  const path = proc?.getBuiltinModule?.('node:path') as typeof NodePath | undefined;
  if (proc === undefined || fs === undefined || path === undefined) {
    throw new TapegradError('writeFileAtomic', 'writing a file needs Node ≥ 20.16 (process.getBuiltinModule); in a browser, download saveBlob(model) instead');
  }
  return { fs, path, proc };
}

interface NodeProcess {
  pid: number;
  kill(pid: number, signal: number): void;
  getBuiltinModule?: (id: string) => unknown;
}

const randomHex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

/** What `lstatSync` tells an atomic write. */
interface Stats {
  mode: number;
  mtimeMs: number;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

/** The file operations an atomic write needs (a subset of `node:fs`); injectable to test failures. */
export interface AtomicFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  fchmodSync(fd: number, mode: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  lstatSync(path: string): Stats;
  readlinkSync(path: string): string;
  readdirSync(path: string): string[];
}

/** Linux's limit on the symbolic links followed in one lookup (ELOOP beyond it). */
const MAX_LINKS = 40;

/**
 * A temporary file whose writer is alive is left alone unless it has not changed for this long: its
 * pid may have been reused by another program after a `kill -9`, and no save sits an hour between two
 * writes (the bytes are written in one go, then fsync and rename follow at once).
 */
const STALE_MS = 60 * 60 * 1000;

/**
 * Writes `bytes` to `path` atomically: to `<target>.tmp-<pid>-<random>` in the target's directory,
 * fsync, then rename over the target (atomic on POSIX file systems). Readers see the old file or the
 * new one, never a partial one; on an error the temporary file is removed and the old file is
 * untouched. Beyond the bytes, nothing changes:
 *
 * - `path` a symbolic link (or a chain of them, even a dangling one): the link stays, and the file it
 *   points to is replaced, with its temporary file in that file's directory;
 * - an existing file keeps its permission bits (0600 stays 0600); a new one gets 0666 less the umask,
 *   as `fs.writeFileSync` gives (the owner is the writer's: only root could keep another's);
 * - temporaries of this naming next to the target that a killed save left (their pid is not running,
 *   or they have not changed for an hour) are removed first. A process killed mid-write cannot clean up
 *   after itself, so its temporary file stays until the next save to the same path.
 *
 * @example
 * writeFileAtomic('loss.svg', new TextEncoder().encode(svg));
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, injected?: AtomicFs): void {
  const { fs: nodeFs, path: paths, proc } = nodeModules();
  const fs: AtomicFs = injected ?? (nodeFs as unknown as AtomicFs);
  const target = followLinks(fs, paths, path);
  const dir = paths.dirname(target), base = paths.basename(target);
  removeStaleTemporaries(fs, paths, proc, dir, base);
  const mode = modeOf(fs, target);
  const tmp = paths.join(dir, `${base}.tmp-${proc.pid}-${randomHex(6)}`);
  // 'wx': never reuse a file that happens to exist. Created with the old mode, which the umask can only
  // narrow, so the bytes are never readable by more users than before, even for a moment.
  let fd = fs.openSync(tmp, 'wx', mode ?? 0o666);
  try {
    if (mode !== null) fs.fchmodSync(fd, mode); // and exactly the old mode (the umask may have cut bits)
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd); // the data is on disk before the rename makes it visible
    const open = fd;
    fd = -1;
    fs.closeSync(open);
    fs.renameSync(tmp, target);
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
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch {
    /* best effort */
  }
}

const errorCode = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

/** The file a chain of symbolic links ends at (existing or not); `path` itself when it is no link. */
function followLinks(fs: AtomicFs, paths: typeof NodePath, path: string): string {
  let p = path;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let st: Stats;
    try {
      st = fs.lstatSync(p);
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return p; // a new file, or a dangling link's target: created there
      throw e;
    }
    if (!st.isSymbolicLink()) return p;
    p = paths.resolve(paths.dirname(p), fs.readlinkSync(p));
  }
  throw new Error(`more than ${MAX_LINKS} symbolic links from '${path}' (a loop?)`);
}

/** The permission bits of an existing regular file, or null when there is none to keep. */
function modeOf(fs: AtomicFs, target: string): number | null {
  try {
    const st = fs.lstatSync(target);
    return st.isFile() ? st.mode & 0o7777 : null;
  } catch {
    return null;
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Removes `<base>.tmp-<pid>-<12 hex digits>` files in `dir` that no running save is writing. Best effort. */
function removeStaleTemporaries(fs: AtomicFs, paths: typeof NodePath, proc: NodeProcess, dir: string, base: string): void {
  const ours = new RegExp(`^${escapeRegExp(base)}\\.tmp-(\\d+)-[0-9a-f]{12}$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = ours.exec(name);
    if (m === null) continue;
    const file = paths.join(dir, name);
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile()) continue;
      if (isRunning(proc, Number(m[1])) && Date.now() - st.mtimeMs < STALE_MS) continue;
      fs.unlinkSync(file);
    } catch {
      /* removed by someone else meanwhile, or not ours to remove: the save goes on */
    }
  }
}

/** Whether a process with this pid runs on this machine (this process counts: a worker may be saving). */
function isRunning(proc: NodeProcess, pid: number): boolean {
  if (pid === proc.pid) return true;
  try {
    proc.kill(pid, 0); // signal 0 only checks that the process exists
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM'; // it exists but belongs to another user
  }
}
