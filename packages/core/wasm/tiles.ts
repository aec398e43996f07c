/** The tile and block sizes shared by the gemm driver, the packing and the micro-kernel (gemm.ts). */

/** Rows of the micro-kernel's tile of C (and of a packed A panel). */
export const MR: i32 = 4;
/** Depth of a k block. */
export const KC: i32 = 256;
/** Bytes of a row of the tile (and of a packed B panel): NRB / 16 v128 registers. */
export const NRB: i32 = 32;
/** Columns of the tile (and of a packed B panel). */
// @ts-ignore: decorator
@inline export function NR<T>(): i32 { return NRB / sizeof<T>(); }
/** Rows of a packed A block: MC·KC elements = 128 KiB, for L2. */
// @ts-ignore: decorator
@inline export function MC<T>(): i32 { return 512 / sizeof<T>(); }
/** Columns of a packed B slab: KC·NC elements = 2 MiB, for L3. */
// @ts-ignore: decorator
@inline export function NC<T>(): i32 { return 8192 / sizeof<T>(); }
