import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dense, SerializationError, saveBytes } from '@tapegrad/nn';
import { load, save, writeFileAtomic, type AtomicFs } from '@tapegrad/nn/node';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'tapegrad-atomic-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const model = () => new Dense(3, 2);
const modeOf = (p: string) => fs.statSync(p).mode & 0o7777;
/** node:fs, recording the path of every file opened for writing. */
const recordingOpens = (opened: string[]): AtomicFs => ({
  ...fs,
  openSync: (p, flags, mode) => (flags === 'wx' && opened.push(p), fs.openSync(p, flags, mode)),
});

describe('writeFileAtomic keeps what is not the bytes', () => {
  it.each([0o600, 0o640, 0o604, 0o755])('an existing file with mode %o keeps it', (mode) => {
    const path = join(dir, 'm.safetensors');
    fs.writeFileSync(path, 'old');
    fs.chmodSync(path, mode);
    save(model(), path);
    expect(modeOf(path).toString(8)).toBe(mode.toString(8));
    expect(load(path).has('W')).toBe(true);
  });

  it('a new file gets 0666 less the umask, as fs.writeFileSync gives', () => {
    const umask = process.umask();
    writeFileAtomic(join(dir, 'new.bin'), new Uint8Array([1]));
    fs.writeFileSync(join(dir, 'plain.bin'), new Uint8Array([1]));
    expect(modeOf(join(dir, 'new.bin'))).toBe(0o666 & ~umask);
    expect(modeOf(join(dir, 'new.bin'))).toBe(modeOf(join(dir, 'plain.bin')));
  });

  it('through a symbolic link: the link stays, the target gets the bytes, the temp file sits beside the target', () => {
    fs.mkdirSync(join(dir, 'store'));
    const target = join(dir, 'store', 'weights.safetensors');
    fs.writeFileSync(target, 'old');
    fs.chmodSync(target, 0o600);
    const link = join(dir, 'latest.safetensors');
    fs.symlinkSync('store/weights.safetensors', link); // relative, as `ln -s` makes them
    const opened: string[] = [];
    save(model(), link, { fs: recordingOpens(opened) });
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe('store/weights.safetensors');
    expect(Buffer.from(fs.readFileSync(target)).equals(Buffer.from(saveBytes(load(link))))).toBe(true);
    expect(modeOf(target).toString(8)).toBe('600');
    expect(opened).toHaveLength(1);
    expect(opened[0].startsWith(join(dir, 'store', 'weights.safetensors.tmp-'))).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['latest.safetensors', 'store']);
    expect(fs.readdirSync(join(dir, 'store'))).toEqual(['weights.safetensors']);
  });

  it('a chain of links and a dangling link: the last target is written, every link stays', () => {
    const a = join(dir, 'a'), b = join(dir, 'b'), target = join(dir, 'target.bin');
    fs.symlinkSync(b, a);
    fs.symlinkSync(target, b); // dangling until the write
    writeFileAtomic(a, new Uint8Array([7, 8]));
    expect([fs.lstatSync(a).isSymbolicLink(), fs.lstatSync(b).isSymbolicLink()]).toEqual([true, true]);
    expect(Array.from(fs.readFileSync(target))).toEqual([7, 8]);
  });

  it('a loop of links is an error, and nothing is written', () => {
    const a = join(dir, 'a'), b = join(dir, 'b');
    fs.symlinkSync(b, a);
    fs.symlinkSync(a, b);
    expect(() => save(model(), a)).toThrow(SerializationError);
    expect(() => save(model(), a)).toThrow(/save: could not write '.*a': more than 40 symbolic links/);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b']);
  });
});

describe('temporaries left by a killed save', () => {
  /** The pid of a process that has exited (a just-finished child; pids are not reused that fast). */
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
  const temp = (base: string, pid: number, suffix = 'a1b2c3d4e5f6') => `${base}.tmp-${pid}-${suffix}`;

  it('are removed by the next save to that path: only files of our naming, of a dead writer or untouched for an hour', () => {
    const path = join(dir, 'model.safetensors');
    const dead = deadPid();
    const hourAgo = (Date.now() - 61 * 60 * 1000) / 1000;
    const files = {
      dead: temp('model.safetensors', dead),
      deadOther: temp('model.safetensors', dead, '00ff00ff00ff'),
      liveOld: temp('model.safetensors', process.pid, 'aaaaaaaaaaaa'),
      liveFresh: temp('model.safetensors', process.pid, 'bbbbbbbbbbbb'),
      parentFresh: temp('model.safetensors', process.ppid),
      otherTarget: temp('other.safetensors', dead),
      notHex: temp('model.safetensors', dead, 'not-ours-123'),
      longer: `${temp('model.safetensors', dead)}.bak`,
      prefixed: `x${temp('model.safetensors', dead)}`,
    };
    for (const name of Object.values(files)) fs.writeFileSync(join(dir, name), 'partial');
    fs.utimesSync(join(dir, files.liveOld), hourAgo, hourAgo);
    fs.mkdirSync(join(dir, temp('model.safetensors', dead, 'dddddddddddd'))); // a directory is never removed
    save(model(), path);
    const left = fs.readdirSync(dir).sort();
    expect(left).toEqual(
      ['model.safetensors', files.liveFresh, files.parentFresh, files.otherTarget, files.notHex, files.longer, files.prefixed, temp('model.safetensors', dead, 'dddddddddddd')].sort(),
    );
  });

  it('beside the target of a link, not beside the link', () => {
    fs.mkdirSync(join(dir, 'store'));
    const target = join(dir, 'store', 'w.bin');
    fs.symlinkSync(target, join(dir, 'w.bin'));
    const dead = deadPid();
    fs.writeFileSync(join(dir, 'store', temp('w.bin', dead)), 'partial');
    fs.writeFileSync(join(dir, temp('w.bin', dead)), 'not beside the target: kept');
    writeFileAtomic(join(dir, 'w.bin'), new Uint8Array([1]));
    expect(fs.readdirSync(join(dir, 'store'))).toEqual(['w.bin']);
    expect(fs.readdirSync(dir).sort()).toEqual(['store', 'w.bin', temp('w.bin', dead)].sort());
  });
});

describe('writeFileAtomic outside Node', () => {
  it('says what it needs when there is no process.getBuiltinModule', () => {
    const saved = process.getBuiltinModule;
    try {
      (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      expect(() => writeFileAtomic(join(dir, 'x'), new Uint8Array([1]))).toThrow(/writeFileAtomic: writing a file needs Node ≥ 20\.16/);
    } finally {
      process.getBuiltinModule = saved;
    }
  });
});
