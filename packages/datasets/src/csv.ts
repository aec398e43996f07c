import { DTypeError, TapegradError, tensor, type DType, type Tensor } from '@tapegrad/core';

/** A labelled data set in the notes' layout: one example per column. */
export interface Dataset {
  /** A short name, e.g. `'digits'`. */
  readonly name: string;
  /** Features, shape `[features, m]`: example `i` is column `i` (the notes' `A[0]`, `X`). */
  readonly x: Tensor;
  /** Class indices 0..K-1 as numbers of x's dtype, shape `[m]`. */
  readonly y: Tensor;
  /** The name of class `k` at index `k`. */
  readonly classNames: readonly string[];
  /** The name of feature `i` (row `i` of x), when known. */
  readonly featureNames?: readonly string[];
}

/**
 * Options of `parseCSV`: whether the text starts with scikit-learn's header line, the dtype, and the
 * names the resulting `Dataset` carries.
 *
 * @example
 * const d = parseCSV('1,2,0\n3,4,1\n', { header: false, dtype: 'float64', name: 'toy', classNames: ['no', 'yes'], featureNames: ['a', 'b'] });
 * d.x.dtype; // 'float64'
 * d.classNames; // ['no', 'yes']
 */
export interface ParseCSVOptions {
  /**
   * Whether the first line is scikit-learn's header `m,features,class names…` (as in `iris.csv` and
   * `breast_cancer.csv`). Its counts are checked against the data and its names become `classNames`.
   * Default false: every line is data.
   */
  header?: boolean;
  /** `'float32'` (default) or `'float64'`, for both x and y. */
  dtype?: DType;
  /** The data set's name; default `'csv'`. */
  name?: string;
  /** Class names; default: from the header, else `'0'`, `'1'`, … up to the largest label. */
  classNames?: readonly string[];
  /** Feature names, one per feature column. */
  featureNames?: readonly string[];
}

/**
 * Parses CSV text whose lines are numeric features followed by an integer class label, into a
 * {@link Dataset} with examples as columns. It needs nothing from Node, so a browser can load a
 * data set from a fetched string.
 *
 * @example
 * const text = '2,2,no,yes\n0.5,1,0\n2.5,3,1\n';
 * const { x, y, classNames } = parseCSV(text, { header: true });
 * x.toArray();   // [[0.5, 2.5], [1, 3]]  (features × examples)
 * y.toArray();   // [0, 1]
 * classNames;    // ['no', 'yes']
 *
 * @example
 * // In a browser:
 * const iris = parseCSV(await (await fetch(url)).text(), { header: true, name: 'iris' });
 */
export function parseCSV(text: string, options: ParseCSVOptions = {}): Dataset {
  const op = 'parseCSV';
  if (typeof text !== 'string') throw new TapegradError(op, `expected a string, got ${typeof text}`, 'text');
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(op, `expected 'float32' or 'float64', got ${JSON.stringify(dtype)}`, 'dtype');
  }
  // Keep line numbers (1-based, as an editor shows them) for the error messages; skip blank lines.
  const lines: { no: number; cells: string[] }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== '') lines.push({ no: i + 1, cells: line.split(',') });
  });
  let headerNames: string[] | undefined;
  let declared: { m: number; features: number } | undefined;
  if (options.header) {
    const head = lines.shift();
    if (head === undefined) throw new TapegradError(op, 'the text is empty, so it has no header line', 'text');
    const [m, features] = head.cells.map(Number);
    if (!Number.isInteger(m) || !Number.isInteger(features) || m < 0 || features < 0) {
      throw new TapegradError(op, `line ${head.no}: the header must start with the example and feature counts, got "${head.cells.slice(0, 2).join(',')}"`, 'text');
    }
    declared = { m, features };
    headerNames = head.cells.slice(2).map((s) => s.trim());
  }
  if (lines.length === 0) throw new TapegradError(op, 'no data lines', 'text');
  const columns = lines[0].cells.length;
  const features = columns - 1;
  if (features < 1) throw new TapegradError(op, `line ${lines[0].no}: expected features then a label, got ${columns} column`, 'text');
  const m = lines.length;
  if (declared && (declared.m !== m || declared.features !== features)) {
    throw new TapegradError(
      op,
      `the header declares ${declared.m} examples of ${declared.features} features, but the data has ${m} examples of ${features} features (a truncated file?)`,
      'text',
    );
  }
  const classNames = options.classNames ?? (headerNames && headerNames.length > 0 ? headerNames : undefined);
  if (options.featureNames && options.featureNames.length !== features) {
    throw new TapegradError(op, `${options.featureNames.length} feature names given for ${features} features`, 'featureNames');
  }
  const X = new Float64Array(features * m);
  const Y = new Float64Array(m);
  let maxLabel = -1;
  for (let i = 0; i < m; i++) {
    const { no, cells } = lines[i];
    if (cells.length !== columns) {
      throw new TapegradError(op, `line ${no} has ${cells.length} columns, the first data line has ${columns}`, 'text');
    }
    for (let f = 0; f < columns; f++) {
      const cell = cells[f].trim();
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) throw new TapegradError(op, `line ${no}, column ${f + 1}: "${cells[f]}" is not a finite number`, 'text');
      // Row f of x holds feature f of every example: the transpose of the file's layout.
      if (f < features) X[f * m + i] = v;
      else Y[i] = v;
    }
    const label = Y[i];
    if (!Number.isInteger(label) || label < 0 || (classNames !== undefined && label >= classNames.length)) {
      const range = classNames !== undefined ? ` in [0, ${classNames.length})` : ' ≥ 0';
      throw new TapegradError(op, `line ${no}: the label (last column) is ${label}, expected an integer${range}`, 'text');
    }
    if (label > maxLabel) maxLabel = label;
  }
  return {
    name: options.name ?? 'csv',
    x: tensor(X, { shape: [features, m], dtype }),
    y: tensor(Y, { shape: [m], dtype }),
    classNames: classNames ? [...classNames] : Array.from({ length: maxLabel + 1 }, (_, k) => String(k)),
    ...(options.featureNames ? { featureNames: [...options.featureNames] } : {}),
  };
}
