/**
 * Digits, breast cancer and iris as tensors, splits, standardization, batches.
 *
 * @module @tapegrad/datasets
 */
export * from '@tapegrad/datasets';
