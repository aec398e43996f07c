/**
 * Layers, losses, optimizers, training and safetensors bytes; browser-safe.
 *
 * @module @tapegrad/nn
 */
export * from '@tapegrad/nn';
