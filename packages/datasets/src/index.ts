/**
 * @tapegrad/datasets — three small classic data sets (digits, breast cancer, iris) as tensors in the
 * notes' layout (examples are columns: x is `[features, m]`), with a seeded train/test split,
 * standardization, one-hot targets and mini-batches.
 */
export { parseCSV, type Dataset, type ParseCSVOptions } from './csv.js';
export { digits, breastCancer, iris, parseDigits, parseBreastCancer, parseIris, type LoadOptions, type ParseOptions } from './load.js';
export { trainTestSplit, type Split, type SplitOptions } from './split.js';
export { standardize, type Standardized } from './standardize.js';
export { oneHot } from './onehot.js';
export { batches, type Batch, type BatchOptions, type Batches } from './batches.js';
