import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TapegradError } from '@tapegrad/core';
import { Dense, SerializationError } from '@tapegrad/nn';
import { load, loadInto, save } from '@tapegrad/nn/node';

/**
 * Bad input to the public API of nn, one row each: the call, the error class it must raise and words its
 * message must contain. The next bad input found is one more row.
 */
type Row = [name: string, call: () => unknown, error: typeof TapegradError, words: (string | RegExp)[]];

const dir = fs.mkdtempSync(join(tmpdir(), 'tapegrad-bad-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'pipe');
execFileSync('mkfifo', [fifo]);

const files: Row[] = [
  ['load(0): a file descriptor (stdin), not a path', () => load(0 as never), SerializationError, ['load', 'expected the path of a file', 'number 0']],
  ['load(null)', () => load(null as never), SerializationError, ['load', 'path of a file', 'null']],
  ["load('')", () => load(''), SerializationError, ['load', "got ''"]],
  ['load of a FIFO does not block', () => load(fifo), SerializationError, ['load', 'is not a regular file', 'FIFO']],
  ['load of /dev/zero does not read without end', () => load('/dev/zero'), SerializationError, ['load', "'/dev/zero'", 'character device']],
  ['load of a directory', () => load(dir), SerializationError, ['load', 'a directory']],
  ['load of a missing file', () => load(join(dir, 'nope')), SerializationError, ['load', 'could not read', 'ENOENT']],
  ['loadInto(model, 3)', () => loadInto(new Dense(2, 1), 3 as never), SerializationError, ['load', 'number 3']],
  ['save(model, 1)', () => save(new Dense(2, 1), 1 as never), SerializationError, ['save', 'expected the path of a file', 'number 1']],
  ['save into a missing directory', () => save(new Dense(2, 1), join(dir, 'no', 'such', 'dir', 'm.safetensors')), SerializationError, ['save', 'could not write', 'ENOENT']],
];

describe.each([['files', files]])('bad input (%s) is a typed error naming op and argument', (_, rows) => {
  it.each(rows)('%s', (_name, call, error, words) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(error);
    for (const w of words) expect((thrown as Error).message).toMatch(typeof w === 'string' ? new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : w);
  });
});
