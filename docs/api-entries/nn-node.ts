/**
 * Saving and loading models by file path (Node only).
 *
 * @module @tapegrad/nn/node
 */
export * from '@tapegrad/nn/node';
