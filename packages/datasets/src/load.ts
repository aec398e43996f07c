import { TapegradError, type DType } from '@tapegrad/core';
import { parseCSV, type Dataset } from './csv.js';

/**
 * Options of the bundled data sets' loaders (`digits`, `breastCancer`, `iris`): the dtype, and where
 * the data files are when a bundler has moved the code away from the package.
 *
 * @example
 * const { x } = iris({ dtype: 'float64' });
 * x.shape; // [4, 150]
 */
export interface LoadOptions {
  /** `'float32'` (default) or `'float64'`, for both x and y. */
  dtype?: DType;
  /**
   * The folder holding the data files. Default: the package's own `data/` folder, found next to the
   * module file (works from `src/` and from the build in `dist/`). Set it when a
   * bundler has moved the code away from the package.
   */
  dataDir?: string;
}

/**
 * The UCI optical digits test set: 1797 8×8 images of handwritten digits, pixels 0..16.
 * x is `[64, 1797]` (pixel `8r + c` is row `8r + c` of x), y holds the digit 0..9. Reads the
 * package's `data/digits.csv.gz` (Node); in a browser, fetch the file and use {@link parseDigits}.
 *
 * @example
 * const { x, y, classNames } = digits();
 * x.shape;            // [64, 1797]
 * y.shape;            // [1797]
 * classNames[y.data[0]]; // '0'
 */
export function digits(options: LoadOptions = {}): Dataset {
  return parseDigits(readData('digits', 'digits.csv.gz', options.dataDir), options);
}

/**
 * Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 real features of their cell nuclei.
 * x is `[30, 569]`, y is 0 = malignant, 1 = benign. In a browser: {@link parseBreastCancer}.
 *
 * @example
 * const { x, classNames, featureNames } = breastCancer({ dtype: 'float64' });
 * x.shape;          // [30, 569]
 * classNames;       // ['malignant', 'benign']
 * featureNames[0];  // 'mean radius'
 */
export function breastCancer(options: LoadOptions = {}): Dataset {
  return parseBreastCancer(readData('breastCancer', 'breast_cancer.csv', options.dataDir), options);
}

/**
 * Fisher's iris: 150 flowers, 4 measurements in cm. x is `[4, 150]`, y is 0 = setosa,
 * 1 = versicolor, 2 = virginica. In a browser: {@link parseIris}.
 *
 * @example
 * const { x, y, classNames } = iris();
 * x.shape;       // [4, 150]
 * classNames;    // ['setosa', 'versicolor', 'virginica']
 */
export function iris(options: LoadOptions = {}): Dataset {
  return parseIris(readData('iris', 'iris.csv', options.dataDir), options);
}

/** Options of the parse functions: the dtype of x and y. */
export interface ParseOptions {
  /** `'float32'` (default) or `'float64'`, for both x and y. */
  dtype?: DType;
}

/**
 * The digits (as {@link digits} gives them) from the text of `digits.csv.gz` once decompressed, or
 * its bytes; needs nothing from Node, so a browser can fetch the package's file and decompress it
 * with `DecompressionStream`.
 *
 * @example
 * // In a browser (at the URL your bundler or server gives the package's data/digits.csv.gz):
 * const response = await fetch('/data/digits.csv.gz');
 * const text = await new Response(response.body!.pipeThrough(new DecompressionStream('gzip'))).text();
 * const { x, y } = parseDigits(text); // x [64, 1797], y [1797]
 */
export function parseDigits(text: string | Uint8Array, options: ParseOptions = {}): Dataset {
  return parseCSV(decoded('parseDigits', text), { header: false, dtype: options.dtype, name: 'digits', classNames: DIGIT_NAMES, featureNames: DIGIT_FEATURES });
}

/**
 * Breast cancer (as {@link breastCancer} gives it) from the text or bytes of `breast_cancer.csv`.
 *
 * @example
 * const { x } = parseBreastCancer(await (await fetch('/data/breast_cancer.csv')).text()); // [30, 569]
 */
export function parseBreastCancer(text: string | Uint8Array, options: ParseOptions = {}): Dataset {
  return parseCSV(decoded('parseBreastCancer', text), { header: true, dtype: options.dtype, name: 'breast_cancer', featureNames: CANCER_FEATURES });
}

/**
 * Iris (as {@link iris} gives it) from the text or bytes of `iris.csv`.
 *
 * @example
 * const { x } = parseIris(await (await fetch('/data/iris.csv')).text()); // [4, 150]
 */
export function parseIris(text: string | Uint8Array, options: ParseOptions = {}): Dataset {
  return parseCSV(decoded('parseIris', text), { header: true, dtype: options.dtype, name: 'iris', featureNames: IRIS_FEATURES });
}

/** UTF-8 text from bytes; gzip bytes (magic 1f 8b) are refused with how to decompress them. */
function decoded(op: string, text: string | Uint8Array): string {
  if (typeof text === 'string') return text;
  if (!(text instanceof Uint8Array)) throw new TapegradError(op, `expected a string or a Uint8Array, got ${text === null ? 'null' : typeof text}`, 'text');
  if (text.length >= 2 && text[0] === 0x1f && text[1] === 0x8b) {
    throw new TapegradError(op, "these bytes are gzip-compressed: decompress them first (in a browser, pipe the response body through new DecompressionStream('gzip'))", 'text');
  }
  return new TextDecoder().decode(text);
}

// Names as scikit-learn gives them, so results read the same as in Python.
const DIGIT_NAMES = Array.from({ length: 10 }, (_, k) => String(k));
const DIGIT_FEATURES = Array.from({ length: 64 }, (_, i) => `pixel_${Math.floor(i / 8)}_${i % 8}`);
const IRIS_FEATURES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];
const NUCLEUS = [
  'radius', 'texture', 'perimeter', 'area', 'smoothness',
  'compactness', 'concavity', 'concave points', 'symmetry', 'fractal dimension',
];
const CANCER_FEATURES = [
  ...NUCLEUS.map((f) => `mean ${f}`),
  ...NUCLEUS.map((f) => `${f} error`),
  ...NUCLEUS.map((f) => `worst ${f}`),
];

/**
 * Node's built-in modules, fetched at call time rather than imported, so that bundling this package
 * for a browser (where only `parseCSV` makes sense) pulls in no `node:` imports.
 */
function node(op: string) {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  if (typeof p?.getBuiltinModule !== 'function') {
    throw new TapegradError(
      op,
      'reading the bundled data files needs Node.js ≥ 20.16 (process.getBuiltinModule); in a browser, fetch the file and call parseDigits, parseBreastCancer or parseIris',
    );
  }
  return {
    fs: p.getBuiltinModule('node:fs'),
    path: p.getBuiltinModule('node:path'),
    url: p.getBuiltinModule('node:url'),
    zlib: p.getBuiltinModule('node:zlib'),
  };
}

/** The package's `data/` folder: one level up from this module in `src/` and in `dist/` alike. */
function defaultDataDir(op: string, n: ReturnType<typeof node>): string {
  // The package is ESM only (require() loads it too), so import.meta.url is this module's file URL.
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string' && url.startsWith('file:')) return n.url.fileURLToPath(new URL('../data/', url));
  throw new TapegradError(op, `cannot locate the package's data folder from this module (import.meta.url is ${String(url)}); pass { dataDir }`, 'dataDir');
}

function readData(op: string, file: string, dataDir: string | undefined): string {
  const n = node(op);
  const path = n.path.join(dataDir ?? defaultDataDir(op, n), file);
  let bytes: Buffer;
  try {
    bytes = n.fs.readFileSync(path);
  } catch (e) {
    throw new TapegradError(op, `cannot read ${path}: ${(e as Error).message}`, 'dataDir');
  }
  return (file.endsWith('.gz') ? n.zlib.gunzipSync(bytes) : bytes).toString('utf8');
}
