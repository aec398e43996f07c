/**
 * Tensors on a tape, reverse-mode autodiff, JAX-style transforms and gradcheck.
 *
 * @module @tapegrad/core
 */
export * from '@tapegrad/core';
