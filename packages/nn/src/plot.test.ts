import { describe, expect, it } from 'vitest';
import { lossCurvesSvg, niceTicks, terminalPlot } from '@tapegrad/nn';

describe('niceTicks', () => {
  it('steps of 1, 2 or 5 × 10^k covering the range', () => {
    expect(niceTicks(0, 4)).toEqual([0, 1, 2, 3, 4]);
    expect(niceTicks(0.13, 0.92)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 17)).toEqual([-5, 0, 5, 10, 15, 20]);
    expect(() => niceTicks(1, 1)).toThrow(/niceTicks/);
  });
});

describe('terminalPlot (braille)', () => {
  it('draws a straight line as the diagonal of dots', () => {
    // 4 × 2 cells = 8 × 8 dots; values 3, 2, 1, 0 land on dots (0,0), (2,2), (5,5), (7,7) and the
    // segments between them fill the diagonal: ⠑ = dots 1+5, ⢄ = dots 3+8.
    expect(terminalPlot({ loss: [3, 2, 1, 0] }, { width: 4, height: 2 })).toBe(
      ['3 ┤⠑⢄', '0 ┤  ⠑⢄', '  └────', '   1  4', '   ⣿ loss'].join('\n'),
    );
  });

  it('puts a flat curve in the middle of a unit band and labels the middle row', () => {
    // lo = 1, hi = 3, 12 dot rows: value 2 is dot row round(5.5) = 6, the third row of cell row 1 (⠤)
    expect(terminalPlot({ flat: [2, 2] }, { width: 3, height: 3 })).toBe(
      ['3 ┤', '2 ┤⠤⠤⠤', '1 ┤', '  └───', '   1 2', '   ⣿ flat'].join('\n'),
    );
  });

  it('leaves a gap where values are not finite', () => {
    // points at dots (0, 4) and (7, 4) only: ⠁ is the top-left dot, ⠈ the top-right one
    expect(terminalPlot({ g: [0, NaN, Infinity, 0] }, { width: 4, height: 2 }).split('\n')[1]).toBe('-1 ┤⠁  ⠈');
  });

  it('colors series with ANSI codes when asked, the later series owning a shared cell', () => {
    const out = terminalPlot({ a: [1, 0], b: [1, 0.5] }, { width: 1, height: 1, color: true });
    // both curves share the only cell; b is drawn last, so it is on top and the cell is yellow
    expect(out.split('\n')[0]).toMatch(/^1 ┤\x1b\[33m.\x1b\[0m$/);
    expect(out).toContain('\x1b[34m⣿\x1b[0m a  \x1b[33m⣿\x1b[0m b');
    expect(terminalPlot({ a: [1, 0] }, { width: 1, height: 1 })).not.toContain('\x1b');
  });

  it('without color, names each series after the row its curve ends on', () => {
    // 4 × 2 cells = 8 × 8 dots over [0, 3]: train ends at 0 (dot row 7, cell row 1), test at 2 (dot row 2, cell row 0)
    const lines = terminalPlot({ train: [3, 0], test: [3, 2] }, { width: 4, height: 2 }).split('\n');
    expect(lines[0]).toMatch(/^3 ┤.{4} ← test$/u);
    expect(lines[1]).toMatch(/^0 ┤.{4} ← train$/u);
    expect(terminalPlot({ a: [1, 0], b: [1, 0] }, { width: 2, height: 1 }).split('\n')[0]).toMatch(/ ← a, b$/);
    expect(terminalPlot({ a: [1, 0], b: [1, 0.5] }, { width: 2, height: 2, color: true })).not.toContain('←');
    expect(terminalPlot({ a: [1, 0] }, { width: 2, height: 2 })).not.toContain('←');
  });

  it('labels a log axis with three significant digits', () => {
    // lo = log₁₀ 0.00386429, hi = log₁₀ 2.03014; the middle row's label is 10^(hi − (hi − lo)·5.5/11) = 0.0886
    const lines = terminalPlot({ loss: [2.03014, 0.00386429] }, { logY: true, width: 4, height: 3 }).split('\n');
    expect(lines.slice(0, 3).map((l) => l.split(' ┤')[0].trim())).toEqual(['2.03', '0.0886', '0.00386']);
  });

  it('rejects an empty plot and bad sizes', () => {
    expect(() => terminalPlot({ x: undefined })).toThrow(/no series/);
    expect(() => terminalPlot({ x: [1] }, { width: 0 })).toThrow(/width and height/);
  });
});

describe('lossCurvesSvg', () => {
  const points = (svg: string) => [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1]);

  it('maps epochs and values onto the plot area exactly', () => {
    // 400 × 300 with margins left 64, right 120, top 16, bottom 44: the plot is 216 × 240 px.
    // y ticks 0..4, so y = 16 + (4 − v)/4 · 240; x = 64 + i/3 · 216.
    const svg = lossCurvesSvg({ loss: [4, 2, 1, 0] }, { width: 400, height: 300 });
    expect(points(svg)).toEqual(['64,16 136,136 208,196 280,256']);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const yLabels = [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]+)</g)].map((m) => m[1]);
    expect(yLabels).toEqual(['0', '1', '2', '3', '4']);
    const xLabels = [...svg.matchAll(/y="272" text-anchor="middle">([^<]+)</g)].map((m) => m[1]);
    expect(xLabels).toEqual(['1', '2', '3', '4']);
  });

  it('draws each series in its own color with a legend, escaping names', () => {
    const svg = lossCurvesSvg({ 'train <loss>': [1, 0.5], valLoss: [1.2, 0.7] }, { title: 'a & b' });
    expect(svg).toContain('stroke="#1f77b4" stroke-width="2"/>');
    expect(svg).toContain('stroke="#ff7f0e" stroke-width="2"/>');
    expect(svg).toContain('>train &lt;loss&gt;</text>');
    expect(svg).toContain('>a &amp; b</text>');
    expect(points(svg)).toHaveLength(2);
  });

  it('splits a curve at non-finite values and marks a lone point with a circle', () => {
    const svg = lossCurvesSvg({ loss: [1, NaN, 3, 2] }, { width: 400, height: 300 });
    expect(points(svg)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  const yLabels = (svg: string) => [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]+)</g)].map((m) => m[1]);

  it('a log scale labels 1, 2 and 5 × 10^k when the data spans under 2.5 decades', () => {
    const svg = lossCurvesSvg({ loss: [100, 10, 1] }, { logY: true });
    expect(yLabels(svg)).toEqual(['1', '2', '5', '10', '20', '50', '100']);
    expect(svg).toContain('loss (log scale)');
  });

  it('a log scale over more decades labels the decades and the 1-2-5 values just outside the data', () => {
    // log₁₀ 0.3 = −0.52: the axis starts at 0.2, the largest 1-2-5 value below it, and ends at 1000
    expect(yLabels(lossCurvesSvg({ loss: [1000, 0.3] }, { logY: true }))).toEqual(['0.2', '1', '10', '100', '1000']);
    // below 1e-4 labels switch to exponent form
    expect(yLabels(lossCurvesSvg({ loss: [1, 1e-5] }, { logY: true }))).toEqual(['1e-5', '0.0001', '0.001', '0.01', '0.1', '1']);
  });

  it('a log scale within half a decade uses the nice linear ticks of the values', () => {
    // 0.3 to 0.8 is 0.43 decades: niceTicks(0.3, 0.8) = 0.3, …, 0.8 (step 0.1)
    expect(yLabels(lossCurvesSvg({ loss: [0.8, 0.3] }, { logY: true }))).toEqual(['0.3', '0.4', '0.5', '0.6', '0.7', '0.8']);
    // 0.15 to 0.6 is 0.6 decades: 1-2-5 values again
    expect(yLabels(lossCurvesSvg({ loss: [0.6, 0.15] }, { logY: true }))).toEqual(['0.1', '0.2', '0.5', '1']);
  });

  it('widens the left margin for long tick labels so the axis title does not overlap them', () => {
    // labels 0.0001 … 1 are 6 characters: left margin 34 + 7·6 = 76 px instead of 64; the curve starts there
    const svg = lossCurvesSvg({ loss: [1, 1e-4] }, { logY: true, width: 400, height: 300 });
    expect(yLabels(svg)).toEqual(['0.0001', '0.001', '0.01', '0.1', '1']);
    expect(points(svg)[0].startsWith('76,16 ')).toBe(true);
  });
});
