import { describe, expect, it } from 'vitest';
import { DTypeError, TapegradError } from '@tapegrad/core';
import { parseCSV } from '@tapegrad/datasets';

describe('parseCSV', () => {
  it('runs its TSDoc example: features become rows, examples columns', () => {
    const text = '2,2,no,yes\n0.5,1,0\n2.5,3,1\n';
    const { x, y, classNames, name, featureNames } = parseCSV(text, { header: true });
    expect(x.toArray()).toEqual([[0.5, 2.5], [1, 3]]);
    expect(y.toArray()).toEqual([0, 1]);
    expect(classNames).toEqual(['no', 'yes']);
    expect(name).toBe('csv');
    expect(featureNames).toBeUndefined();
  });

  it('reads headerless text, CRLF line ends and blank lines; class names default to the labels', () => {
    const d = parseCSV('1,2,3,2\r\n\r\n4,5,6,0\r\n', { dtype: 'float64', name: 'tiny', featureNames: ['a', 'b', 'c'] });
    expect(d.x.shape).toEqual([3, 2]);
    expect(d.x.dtype).toBe('float64');
    expect(d.y.dtype).toBe('float64');
    expect(Array.from(d.x.data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(d.y.data)).toEqual([2, 0]);
    expect(d.classNames).toEqual(['0', '1', '2']);
    expect(d.featureNames).toEqual(['a', 'b', 'c']);
    expect(d.name).toBe('tiny');
  });

  it('rounds to float32 by default', () => {
    const d = parseCSV('0.1,0\n');
    expect(d.x.dtype).toBe('float32');
    expect(d.x.data[0]).toBe(Math.fround(0.1));
    expect(d.x.data[0]).not.toBe(0.1);
  });

  it('names the line and column of a cell that is not a number', () => {
    expect(() => parseCSV('1,2,0\n1,x,1\n')).toThrow(/parseCSV: argument 'text': line 2, column 2: "x" is not a finite number/);
    expect(() => parseCSV('1,,0\n')).toThrow(/line 1, column 2: "" is not a finite number/);
    expect(() => parseCSV('1,Infinity,0\n')).toThrow(TapegradError);
  });

  it('rejects ragged lines, bad labels and a header that does not match the data', () => {
    expect(() => parseCSV('1,2,0\n1,1\n')).toThrow(/line 2 has 2 columns, the first data line has 3/);
    expect(() => parseCSV('1,2,0.5\n')).toThrow(/line 1: the label \(last column\) is 0.5, expected an integer ≥ 0/);
    expect(() => parseCSV('1,2,-1\n')).toThrow(/label .* is -1/);
    expect(() => parseCSV('2,1,a,b\n1,0\n5,2\n', { header: true })).toThrow(/line 3: the label .* is 2, expected an integer in \[0, 2\)/);
    expect(() => parseCSV('3,1,a,b\n1,0\n5,1\n', { header: true })).toThrow(/declares 3 examples of 1 features, but the data has 2 examples of 1 features/);
    expect(() => parseCSV('rows,features\n1,0\n', { header: true })).toThrow(/header must start with the example and feature counts/);
    expect(() => parseCSV('', { header: true })).toThrow(/no header line/);
    expect(() => parseCSV('\n\n')).toThrow(/no data lines/);
    expect(() => parseCSV('0\n')).toThrow(/expected features then a label/);
    expect(() => parseCSV('1,0\n', { featureNames: ['a', 'b'] })).toThrow(/argument 'featureNames': 2 feature names given for 1 features/);
    expect(() => parseCSV('1,0\n', { dtype: 'int32' as never })).toThrow(DTypeError);
  });
});
