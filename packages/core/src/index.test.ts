import { describe, expect, it } from 'vitest';
import * as core from '@tapegrad/core';
import * as functions from './functions.js';

// index.ts lists the public names one by one (the op files also export rules and helpers for the
// catalog and for each other's VJPs, which must not become API), so a new op's line there can be
// forgotten. This finds it: an op file's function named after a primitive is that primitive's public
// function, unless the primitive exists only for VJPs and is listed here.
const INTERNAL_PRIMITIVES = [
  'identity', // the recorded alias nested transforms give their inputs
  'geluTanh', // gelu(x, { approximate: 'tanh' })
  'sigmoidGrad', 'unslice', 'scatterAdd', 'indexAdd', 'softmaxCrossEntropyGrad', // VJPs of sigmoid, slice, gather, take, softmaxCrossEntropy
  'im2col', 'col2im', // the patches conv and pooling work on
];

describe('the public op functions of @tapegrad/core', () => {
  it('include every primitive that has a function of its name in an op file', () => {
    const named = Object.keys(core.OPS).filter((op) => typeof (functions as Record<string, unknown>)[op] === 'function');
    const missing = named.filter((op) => !INTERNAL_PRIMITIVES.includes(op) && !(op in core));
    expect(missing, 'add these to the export list in packages/core/src/index.ts').toEqual([]);
    expect(named.length).toBeGreaterThan(40); // the check sees the elementwise ops
  });

  it('leave out the internal primitives', () => {
    expect(INTERNAL_PRIMITIVES.filter((op) => op in core || !(op in core.OPS))).toEqual([]);
  });
});
