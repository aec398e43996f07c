import { reshape, transpose, type DType, type Generator, type Tensor } from '@tapegrad/core';
import { Activation, Conv2d, Dense, Flatten, Lambda, MaxPool2d, Sequential, type ActivationName } from '@tapegrad/nn';

/**
 * `--model cnn`: a small convolutional network on the 8×8 digits, conv → pool → conv → dense. The data
 * stay as the mlp sees them, one image per column ([64, m], pixels row by row); the network's first
 * module turns the columns into images, and `Flatten` turns the feature maps back into columns for
 * `Dense`.
 */

/** Channels of the two convolutions. */
export const CNN_CHANNELS = [16, 32] as const;

/**
 * Columns [64, m] as m one-channel images [m, 1, 8, 8], NCHW as the conv layers take them: pixel k of a
 * column is row ⌊k/8⌋, column k mod 8 of its image (the digits' pixels are stored row by row).
 */
export const toImages = (x: Tensor): Tensor => reshape(transpose(x), [x.shape[1], 1, 8, 8]);

/**
 * The cnn: [1, 8, 8] → Conv2d 3×3, padding 1 → [16, 8, 8] → g → MaxPool2d(2) → [16, 4, 4] → Conv2d
 * 3×3, padding 1 → [32, 4, 4] → g → Flatten → 512 → Dense → 10 logits. `hidden` is g (relu by default).
 */
export function digitsCnn(hidden: ActivationName, options: { dtype?: DType; generator?: Generator } = {}): Sequential {
  const [c1, c2] = CNN_CHANNELS;
  const conv = { padding: 1, dtype: options.dtype, generator: options.generator };
  return new Sequential(
    new Lambda(toImages, 'columns [64, m] → images [m, 1, 8, 8]'),
    new Conv2d(1, c1, 3, conv),
    new Activation(hidden),
    new MaxPool2d(2),
    new Conv2d(c1, c2, 3, conv),
    new Activation(hidden),
    new Flatten(),
    new Dense(c2 * 4 * 4, 10, { activation: 'linear', dtype: options.dtype, generator: options.generator }),
  );
}

/** Features per example after each stage: the pixels, conv, pool, conv, and the logits. */
export const CNN_SIZES: readonly number[] = [64, CNN_CHANNELS[0] * 64, CNN_CHANNELS[0] * 16, CNN_CHANNELS[1] * 16, 10];
