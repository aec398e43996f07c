import { describe, expect, it } from 'vitest';
import { formatValue, ProgressBar } from '@tapegrad/nn';

const fakeStream = (isTTY: boolean, columns?: number) => {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => void writes.push(s) } };
};

/** A clock that advances 10 ms at each reading (plain mode reads it at construction and at finish only). */
const ticking = () => {
  let t = 0;
  return () => (t += 10);
};

describe('ProgressBar', () => {
  it('redraws one line with \\r on a TTY and ends it with a newline', () => {
    const { writes, stream } = fakeStream(true);
    let t = 0;
    const bar = new ProgressBar({ total: 4, label: 'epoch 1/2', stream, width: 8, minIntervalMs: 0, now: () => t });
    t = 20;
    bar.update(1, { loss: 0.5 });
    t = 1500;
    bar.update(4, { loss: 0.25 });
    bar.finish({ loss: 0.25, accuracy: 1 });
    expect(writes).toEqual([
      '\repoch 1/2  [==>     ] 1/4  loss 0.5000  20ms\x1b[K',
      '\repoch 1/2  [========] 4/4  loss 0.2500  1.5s\x1b[K',
      '\repoch 1/2  [========] 4/4  loss 0.2500  accuracy 1.0000  1.5s\x1b[K\n',
    ]);
  });

  it('prints a single plain line per finish when not a TTY (no \\r, no escape codes)', () => {
    const { writes, stream } = fakeStream(false);
    const bar = new ProgressBar({ total: 3, label: 'epoch 2/2', stream, now: ticking() });
    bar.update(1, { loss: 1 });
    bar.update(3, { loss: 1 });
    bar.finish({ loss: 0.123456 });
    expect(writes).toEqual(['epoch 2/2  3/3  loss 0.1235  10ms\n']);
  });

  it('throttles redraws on a TTY but always draws the last step', () => {
    const { writes, stream } = fakeStream(true);
    let t = 0;
    const bar = new ProgressBar({ total: 100, stream, minIntervalMs: 50, now: () => t });
    for (let i = 1; i <= 100; i++) {
      t += 1; // 1 ms a step: only every 50th step is drawn, plus the last
      bar.update(i);
    }
    expect(writes.length).toBe(3); // at t = 1, 51 and 100
    expect(writes[2]).toContain('100/100');
  });

  it('a redraw that does not fit the terminal drops its bar first, then is cut, so it never wraps', () => {
    const { writes, stream } = fakeStream(true, 20);
    const bar = new ProgressBar({ total: 2, stream, width: 10, minIntervalMs: 0, now: () => 0 });
    bar.update(1, { loss: 1, accuracy: 0.5 });
    expect(writes[0]).toBe('\r1/2  loss 1.0000  a\x1b[K');
    const roomy = fakeStream(true, 30);
    new ProgressBar({ total: 2, stream: roomy.stream, width: 10, minIntervalMs: 0, now: () => 0 }).update(1, { loss: 1 });
    expect(roomy.writes[0]).toBe('\r[==>  ] 1/2  loss 1.0000  0ms\x1b[K'); // the bar shrunk from 10 to 5 to fit 29 columns
  });

  describe('the finished epoch fits the terminal, every figure shown', () => {
    const values = { loss: 0.41, accuracy: 0.93, valLoss: 0.4512, valAccuracy: 0.9123 };
    const finish = (columns: number) => {
      const { writes, stream } = fakeStream(true, columns);
      let t = 0;
      const bar = new ProgressBar({ total: 23, label: 'epoch 10/10', stream, minIntervalMs: 0, now: () => t });
      bar.update(23, { loss: 0.41 });
      t = 1234;
      bar.finish(values);
      return writes.at(-1)!;
    };

    it('at 100 columns: one line, the bar shortened from 24 to what is left', () => {
      const line = 'epoch 10/10  [======] 23/23  loss 0.4100  accuracy 0.9300  valLoss 0.4512  valAccuracy 0.9123  1.2s';
      expect(line.length).toBe(99);
      expect(finish(100)).toBe(`\r${line}\x1b[K\n`);
      expect(finish(140)).toBe(`\r${line.replace('[======]', `[${'='.repeat(24)}]`)}\x1b[K\n`); // room for the whole bar
    });

    it('at 80 columns: without the bar it is still 90 characters, so the figures wrap onto a second line', () => {
      expect(finish(80)).toBe('\repoch 10/10  23/23  loss 0.4100  accuracy 0.9300  valLoss 0.4512\x1b[K\n  valAccuracy 0.9123  1.2s\x1b[K\n');
    });
  });

  it('process.stdout.isTTY decides the mode when no stream is given', () => {
    const bar = new ProgressBar({ total: 1 });
    expect(bar.tty).toBe(process.stdout.isTTY === true);
  });

  it('formats values with four decimals, or exponents when tiny or huge', () => {
    expect([0.5, 0, 1e-5, 123456, NaN, -2.25].map(formatValue)).toEqual(['0.5000', '0.0000', '1.000e-5', '1.235e+5', 'NaN', '-2.2500']);
  });
});
