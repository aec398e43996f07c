import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TapegradError, type Tensor } from '@tapegrad/core';
import { breastCancer, digits, iris, parseBreastCancer, parseDigits, parseIris } from '@tapegrad/datasets';

/** Column i of a [features, m] tensor: example i, as the file's row i lists it. */
const column = (x: Tensor, i: number): number[] => {
  const [n, m] = x.shape;
  return Array.from({ length: n }, (_, f) => x.data[f * m + i]);
};
const counts = (y: Tensor): number[] => {
  const c: number[] = [];
  for (const k of y.data) c[k] = (c[k] ?? 0) + 1;
  return c;
};
const total = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};
const rowMeans = (x: Tensor): number[] => {
  const [n, m] = x.shape;
  return Array.from({ length: n }, (_, f) => total(x.data.subarray(f * m, (f + 1) * m)) / m);
};

// Expected values are the files' own first and last rows, and statistics computed from the files by
// NumPy (np.loadtxt) independently of this package; class counts are those scikit-learn documents.
describe('digits', () => {
  const d = digits();
  it('has 1797 examples of 64 pixels as columns, float32 by default', () => {
    expect(d.name).toBe('digits');
    expect(d.x.shape).toEqual([64, 1797]);
    expect(d.y.shape).toEqual([1797]);
    expect(d.x.dtype).toBe('float32');
    expect(d.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(d.featureNames?.slice(0, 3)).toEqual(['pixel_0_0', 'pixel_0_1', 'pixel_0_2']);
    expect(d.featureNames?.[63]).toBe('pixel_7_7');
  });
  it('holds the file row by row in its columns', () => {
    expect(column(d.x, 0).slice(0, 16)).toEqual([0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]);
    expect(d.y.data[0]).toBe(0);
    expect(column(d.x, 1796).slice(56)).toEqual([0, 1, 8, 12, 14, 12, 1, 0]);
    expect(d.y.data[1796]).toBe(8);
    expect(total(d.x.data)).toBe(561718);
    expect(counts(d.y)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  });
});

describe('breastCancer', () => {
  it('has 569 examples of 30 features, with their names and the first row of the file', () => {
    const d = breastCancer({ dtype: 'float64' });
    expect(d.x.shape).toEqual([30, 569]);
    expect(d.y.shape).toEqual([569]);
    expect(d.x.dtype).toBe('float64');
    expect(d.classNames).toEqual(['malignant', 'benign']);
    expect(d.featureNames).toHaveLength(30);
    expect([d.featureNames?.[0], d.featureNames?.[10], d.featureNames?.[29]]).toEqual(['mean radius', 'radius error', 'worst fractal dimension']);
    expect(column(d.x, 0).slice(0, 5)).toEqual([17.99, 10.38, 122.8, 1001, 0.1184]);
    expect(column(d.x, 0)[29]).toBe(0.1189);
    expect(d.y.data[0]).toBe(0);
    expect(column(d.x, 568).slice(0, 4)).toEqual([7.76, 24.54, 47.92, 181]);
    expect(d.y.data[568]).toBe(1);
    expect(counts(d.y)).toEqual([212, 357]);
    const means = rowMeans(d.x);
    expect(means[0]).toBeCloseTo(14.127291739894563, 12);
    expect(means[3]).toBeCloseTo(654.8891036906857, 10);
  });
  it('rounds to float32 by default', () => {
    const d = breastCancer();
    expect(d.x.dtype).toBe('float32');
    expect(d.x.data[0]).toBe(Math.fround(17.99));
  });
});

describe('iris', () => {
  it('has 150 examples of 4 measurements, 50 of each class', () => {
    const d = iris({ dtype: 'float64' });
    expect(d.x.shape).toEqual([4, 150]);
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(d.featureNames).toEqual(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
    expect(column(d.x, 0)).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(column(d.x, 149)).toEqual([5.9, 3.0, 5.1, 1.8]);
    expect([d.y.data[0], d.y.data[149]]).toEqual([0, 2]);
    expect(counts(d.y)).toEqual([50, 50, 50]);
    const means = rowMeans(d.x);
    [5.843333333333335, 3.057333333333334, 3.758, 1.199333333333334].forEach((mu, f) => expect(means[f]).toBeCloseTo(mu, 12));
  });
});

describe('outside Node', () => {
  it('says to use the parse functions when Node\'s built-in modules are not available', () => {
    const p = process as { getBuiltinModule?: unknown };
    const saved = p.getBuiltinModule;
    p.getBuiltinModule = undefined;
    try {
      expect(() => iris()).toThrow(/^iris: reading the bundled data files needs Node.js ≥ 20.16 .* call parseDigits, parseBreastCancer or parseIris$/);
    } finally {
      p.getBuiltinModule = saved;
    }
    expect(iris().x.shape).toEqual([4, 150]);
  });
});

// What a browser does: the data files' text or bytes, parsed with no file system.
describe('parseDigits, parseBreastCancer, parseIris', () => {
  const dataDir = fileURLToPath(new URL('../data/', import.meta.url));
  const same = (a: ReturnType<typeof iris>, b: ReturnType<typeof iris>) => {
    expect(a.name).toBe(b.name);
    expect(a.x.shape).toEqual(b.x.shape);
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
    expect(Array.from(a.y.data)).toEqual(Array.from(b.y.data));
    expect(a.classNames).toEqual(b.classNames);
    expect(a.featureNames).toEqual(b.featureNames);
  };
  it('give what the loaders give, from text or from bytes', () => {
    const gunzipped = gunzipSync(readFileSync(join(dataDir, 'digits.csv.gz')));
    same(parseDigits(gunzipped), digits());
    same(parseDigits(gunzipped.toString('utf8'), { dtype: 'float64' }), digits({ dtype: 'float64' }));
    same(parseBreastCancer(readFileSync(join(dataDir, 'breast_cancer.csv'), 'utf8')), breastCancer());
    same(parseIris(new Uint8Array(readFileSync(join(dataDir, 'iris.csv')))), iris());
  });
  it('refuse gzip bytes with how to decompress them, and what is not text', () => {
    expect(() => parseDigits(readFileSync(join(dataDir, 'digits.csv.gz')))).toThrow(
      /^parseDigits: argument 'text': these bytes are gzip-compressed: decompress them first \(in a browser, pipe the response body through new DecompressionStream\('gzip'\)\)$/,
    );
    expect(() => parseIris(null as unknown as string)).toThrow(/^parseIris: argument 'text': expected a string or a Uint8Array, got null$/);
  });
});

describe('dataDir', () => {
  it('reads the files from another folder when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-datasets-'));
    writeFileSync(join(dir, 'iris.csv'), '2,4,setosa,versicolor,virginica\n1,2,3,4,2\n5,6,7,8,1\n');
    const d = iris({ dataDir: dir });
    expect(d.x.toArray()).toEqual([[1, 5], [2, 6], [3, 7], [4, 8]]);
    expect(Array.from(d.y.data)).toEqual([2, 1]);
  });
  it('names the loader, the argument and the path when a file is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-datasets-'));
    expect(() => digits({ dataDir: dir })).toThrow(TapegradError);
    expect(() => digits({ dataDir: dir })).toThrow(new RegExp(`^digits: argument 'dataDir': cannot read ${join(dir, 'digits.csv.gz')}`));
  });
});
