/**
 * GEMM in WebAssembly SIMD (AssemblyScript) for float32 (T = f32, 4 lanes) and float64 (T = f64,
 * 2 lanes): C[m×n] = op(A)[m×k] · op(B)[k×n].
 *
 * The BLIS/GotoBLAS structure: the k dimension is cut into blocks of KC; for each block, a KC×NC slab
 * of op(B) is packed into column panels NR wide, and an MC×KC block of op(A) into row panels MR tall,
 * so the register-tiled micro-kernel reads both operands as one contiguous stream. A packed A block
 * (MC·KC elements = 128 KiB) stays in L2, a B panel (KC·NR elements = 8 KiB) in L1, the B slab (2 MiB)
 * in L3. Packing (pack.ts) is also where transA and transB are absorbed: the micro-kernel never sees
 * a stride.
 *
 * The micro-kernel keeps an MR×NR tile of C in eight v128 registers: 4 rows × two vectors, i.e. 4×8
 * for f32 and 4×4 for f64, so a packed B row is always NRB = 32 bytes. Built with relaxed SIMD
 * (index-relaxed.ts), each step is one fused relaxed_madd a register; baseline WASM SIMD has no fused
 * multiply-add, so there each step costs a mul and an add. Why this tile and no larger: V8 (TurboFan)
 * keeps a wasm load in program order but places the pure arithmetic after all the loads of a loop
 * body, so every value loaded in one k step is live at once: 6 loads + 8 accumulators (+ 1 product for
 * mul + add) fill the 15 xmm registers V8 allocates on x64. Other tiles measured slower, fused or
 * not: 6×8 spills (−40%), so does 4×8 with the k loop unrolled by 2 (−30%); 5×8 with A loaded as one
 * vector and splatted by shuffles and 2×16 (fewer broadcasts) gained nothing or lost up to 10%. Measured on Zen 3 with Node 20, against the ceiling
 * of packages/bench/src/ceiling.ts in the same process: the micro-kernel alone runs at ~97% of the
 * relaxed_madd ceiling fused and ~85% of the mul + add ceiling unfused; the whole gemm (n = 1024, its
 * packing and the passes over C included) at ~85–90% and ~70–75%.
 *
 * Memory is owned by JS: every pointer is a byte offset chosen by the caller, and `work` is a scratch
 * area of at least gemmWorkBytes() bytes that no other thread uses at the same time.
 */

import { KC, MC, MR, NC, NR, NRB } from './tiles';
import { packPanelsA, packPanelsB } from './pack';

/** Bytes of scratch one gemm call needs (either type): packed A block, packed B slab, one edge tile. */
export function gemmWorkBytes(): i32 {
  return max(workBytes<f32>(), workBytes<f64>());
}

// @ts-ignore: decorator
@inline
function workBytes<T>(): i32 {
  return (MC<T>() * KC + KC * NC<T>() + MR * NR<T>()) * sizeof<T>();
}

/**
 * C = op(A)·op(B) with leading dimensions (row strides of the stored matrices) lda, ldb, ldc in
 * elements. op(A)[i,p] is A[i·lda + p], or A[p·lda + i] when transA; op(B)[p,j] is B[p·ldb + j],
 * or B[j·ldb + p] when transB.
 */
export function gemmF32(
  transA: bool, transB: bool, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, work: usize,
): void {
  gemm<f32>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, work);
}

/** As gemmF32, for float64. */
export function gemmF64(
  transA: bool, transB: bool, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, work: usize,
): void {
  gemm<f64>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, work);
}

/**
 * Packs all of op(B) (k×n) at `dst`, every (jc, pc) block where gemm would pack it, so that threads
 * computing different rows of C can share one packed copy (gemmPackedF32). Needs k·(n + NR) elements.
 */
export function packBF32(transB: bool, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  packAllB<f32>(transB, k, n, b, ldb, dst);
}

export function packBF64(transB: bool, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  packAllB<f64>(transB, k, n, b, ldb, dst);
}

/** As gemmF32 with op(B) already packed by packBF32 at `packedB`. */
export function gemmPackedF32(
  transA: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, packedB: usize, c: usize, ldc: i32, work: usize,
): void {
  gemm<f32>(transA, false, m, n, k, a, lda, 0, 0, c, ldc, work, packedB);
}

export function gemmPackedF64(
  transA: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, packedB: usize, c: usize, ldc: i32, work: usize,
): void {
  gemm<f64>(transA, false, m, n, k, a, lda, 0, 0, c, ldc, work, packedB);
}

/** Byte offset of block (jc, pc) in a fully packed op(B): earlier column blocks are whole (k·NC), then
 * earlier k blocks of this one, each kc × nc rounded up to whole panels. */
// @ts-ignore: decorator
@inline
function blockOffset<T>(k: i32, jc: i32, pc: i32, nc: i32): usize {
  const ncp = (nc + NR<T>() - 1) / NR<T>() * NR<T>();
  return (<usize>k * jc + <usize>pc * ncp) * sizeof<T>();
}

// @ts-ignore: decorator
@inline
function packAllB<T>(transB: bool, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  for (let jc = 0; jc < n; jc += NC<T>()) {
    const nc = min(NC<T>(), n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      packPanelsB<T>(transB, b, ldb, pc, min(KC, k - pc), jc, nc, dst + blockOffset<T>(k, jc, pc, nc));
    }
  }
}

/** The gemm driver; with `packedB` ≠ 0, op(B) comes packed by packAllB and b, ldb, transB are unused. */
// @ts-ignore: decorator
@inline
function gemm<T>(
  transA: bool, transB: bool, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, work: usize, packedB: usize = 0,
): void {
  const S = sizeof<T>();
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldc * S, 0, <usize>n * S);
    return;
  }
  const packA = work;
  const packB = work + <usize>(MC<T>() * KC) * S;
  const edge = packB + <usize>(KC * NC<T>()) * S;
  for (let jc = 0; jc < n; jc += NC<T>()) {
    const nc = min(NC<T>(), n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      let bp = packB;
      if (packedB != 0) bp = packedB + blockOffset<T>(k, jc, pc, nc);
      else packPanelsB<T>(transB, b, ldb, pc, kc, jc, nc, packB);
      for (let ic = 0; ic < m; ic += MC<T>()) {
        const mc = min(MC<T>(), m - ic);
        packPanelsA<T>(transA, a, lda, ic, mc, pc, kc, packA);
        macroKernel<T>(mc, nc, kc, packA, bp, c + (<usize>ic * ldc + jc) * S, ldc, pc > 0, edge);
      }
    }
  }
}

/** Every MR×NR tile of one MC×NC block of C, from packed panels. */
function macroKernel<T>(
  mc: i32, nc: i32, kc: i32, packA: usize, packB: usize, c: usize, ldc: i32, accumulate: bool, edge: usize,
): void {
  const S = sizeof<T>();
  const NRT = NR<T>();
  for (let jr = 0; jr < nc; jr += NRT) {
    const nr = min(NRT, nc - jr);
    const bp = packB + <usize>(jr * kc) * S;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const ap = packA + <usize>(ir * kc) * S;
      const ct = c + (<usize>ir * ldc + jr) * S;
      if (mr == MR && nr == NRT) {
        microKernel<T>(kc, ap, bp, ct, ldc, accumulate);
      } else {
        // A partial tile: the padded panels are zero beyond the edge, so compute the full tile into
        // scratch and copy (or add) only its valid part.
        microKernel<T>(kc, ap, bp, edge, NRT, false);
        for (let r = 0; r < mr; r++) {
          for (let q = 0; q < nr; q++) {
            const dst = ct + (<usize>r * ldc + q) * S;
            const v = load<T>(edge + <usize>(r * NRT + q) * S);
            store<T>(dst, accumulate ? load<T>(dst) + v : v);
          }
        }
      }
    }
  }
}

/** c + x·b lane-wise: one fused relaxed_madd where the module is built with relaxed SIMD, else a mul and an add. */
// @ts-ignore: decorator
@inline
function madd<T>(c: v128, x: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(x, b, c);
  return v128.add<T>(c, v128.mul<T>(x, b));
}

/** C[0:MR, 0:NR] (+)= Σ_p a[p, 0:MR] ⊗ b[p, 0:NR] over the packed panels. */
// @ts-ignore: decorator
@inline
function microKernel<T>(kc: i32, a: usize, b: usize, c: usize, ldc: i32, accumulate: bool): void {
  const S = sizeof<T>();
  let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
  let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
  let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
  let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
  // kc ≥ 1; the loop runs on b alone, so a step costs no counter.
  const end = b + <usize>kc * NRB;
  do {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load_splat<T>(a);
    c00 = madd<T>(c00, x, b0);
    c01 = madd<T>(c01, x, b1);
    x = v128.load_splat<T>(a, S);
    c10 = madd<T>(c10, x, b0);
    c11 = madd<T>(c11, x, b1);
    x = v128.load_splat<T>(a, 2 * S);
    c20 = madd<T>(c20, x, b0);
    c21 = madd<T>(c21, x, b1);
    x = v128.load_splat<T>(a, 3 * S);
    c30 = madd<T>(c30, x, b0);
    c31 = madd<T>(c31, x, b1);
    a += <usize>MR * S;
    b += NRB;
  } while (b < end);
  const row = <usize>ldc * S;
  if (accumulate) {
    c00 = v128.add<T>(c00, v128.load(c)); c01 = v128.add<T>(c01, v128.load(c, 16));
    c10 = v128.add<T>(c10, v128.load(c + row)); c11 = v128.add<T>(c11, v128.load(c + row, 16));
    c20 = v128.add<T>(c20, v128.load(c + 2 * row)); c21 = v128.add<T>(c21, v128.load(c + 2 * row, 16));
    c30 = v128.add<T>(c30, v128.load(c + 3 * row)); c31 = v128.add<T>(c31, v128.load(c + 3 * row, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + row, c10); v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20); v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30); v128.store(c + 3 * row, c31, 16);
}
