/**
 * Packing for the gemm (gemm.ts): copies a block of op(A) or op(B) into the panels the micro-kernel
 * streams through, absorbing transA/transB. Where a panel is full and its source rows are contiguous in
 * p but the panel is p-major (A stored m×k, B stored n×k), four source rows are loaded a vector at a time
 * and transposed in registers (pack4Rows) instead of moved one element at a time.
 */
import { MR, NR, NRB } from './tiles';

/**
 * Packs op(A)[ic:ic+mc, pc:pc+kc] as row panels: panel t holds rows ic+t·MR .. +MR, stored p-major
 * (MR values per p), zero-padded past row mc.
 */
export function packPanelsA<T>(transA: bool, a: usize, lda: i32, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const S = sizeof<T>();
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const panel = dst + <usize>(ir * kc) * S;
    if (transA) {
      // Stored k×m: the MR values of one p are contiguous (MR·S bytes, 16 or 32).
      let src = a + (<usize>pc * lda + ic + ir) * S;
      const step = <usize>lda * S;
      if (mr == MR) {
        for (let p = 0; p < kc; p++, src += step) {
          const d = panel + <usize>(p * MR) * S;
          v128.store(d, v128.load(src));
          if (S == 8) v128.store(d, v128.load(src, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++, src += step) {
          for (let r = 0; r < MR; r++) {
            store<T>(panel + <usize>(p * MR + r) * S, r < mr ? load<T>(src + <usize>r * S) : <T>0);
          }
        }
      }
    } else if (mr == MR) {
      // Stored m×k: the MR rows are contiguous in p.
      pack4Rows<T>(a + (<usize>(ic + ir) * lda + pc) * S, <usize>lda * S, kc, panel, <usize>MR * S);
    } else {
      for (let r = 0; r < MR; r++) {
        const d = panel + <usize>r * S;
        if (r < mr) {
          const src = a + (<usize>(ic + ir + r) * lda + pc) * S;
          for (let p = 0; p < kc; p++) store<T>(d + <usize>(p * MR) * S, load<T>(src + <usize>p * S));
        } else {
          for (let p = 0; p < kc; p++) store<T>(d + <usize>(p * MR) * S, <T>0);
        }
      }
    }
  }
}

/**
 * Packs op(B)[pc:pc+kc, jc:jc+nc] as column panels: panel t holds columns jc+t·NR .. +NR, stored
 * p-major (NR values = 32 bytes per p), zero-padded past column nc.
 */
export function packPanelsB<T>(transB: bool, b: usize, ldb: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  const S = sizeof<T>();
  const NRT = NR<T>();
  for (let jr = 0; jr < nc; jr += NRT) {
    const nr = min(NRT, nc - jr);
    const panel = dst + <usize>(jr * kc) * S;
    if (!transB) {
      // Stored k×n: the NR values of one p are contiguous.
      let src = b + (<usize>pc * ldb + jc + jr) * S;
      const step = <usize>ldb * S;
      if (nr == NRT) {
        for (let p = 0; p < kc; p++, src += step) {
          const d = panel + <usize>p * NRB;
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++, src += step) {
          for (let q = 0; q < NRT; q++) {
            store<T>(panel + <usize>(p * NRT + q) * S, q < nr ? load<T>(src + <usize>q * S) : <T>0);
          }
        }
      }
    } else if (nr == NRT) {
      // Stored n×k: column q of op(B) is row jc+jr+q of B, contiguous in p; four rows at a time fill
      // 16 bytes of each 32-byte panel row.
      const src = b + (<usize>(jc + jr) * ldb + pc) * S;
      const ld = <usize>ldb * S;
      for (let q = 0; q < NRT; q += 4) pack4Rows<T>(src + <usize>q * ld, ld, kc, panel + <usize>q * S, NRB);
    } else {
      for (let q = 0; q < NRT; q++) {
        const d = panel + <usize>q * S;
        if (q < nr) {
          const src = b + (<usize>(jc + jr + q) * ldb + pc) * S;
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * NRB, load<T>(src + <usize>p * S));
        } else {
          for (let p = 0; p < kc; p++) store<T>(d + <usize>p * NRB, <T>0);
        }
      }
    }
  }
}

/**
 * dst[p·stride + r·S] = src[r·ld + p·S] for the four rows r < 4 and p < kc: a 4-row block, contiguous
 * in p, written p-major. A vector holds 16 bytes of a row (4 floats or 2 doubles), so 4 rows × 4 floats
 * are a 4×4 transpose, and 4 rows × 2 doubles give two p's of 4 doubles each.
 */
// @ts-ignore: decorator
@inline
function pack4Rows<T>(src: usize, ld: usize, kc: i32, dst: usize, stride: usize): void {
  const S = sizeof<T>();
  const per = <i32>(<usize>16 / S);
  let p = 0;
  for (; p + per <= kc; p += per) {
    const s = src + <usize>p * S;
    const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
    const d = dst + <usize>p * stride;
    if (S == 4) {
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
      const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      v128.store(d, i64x2.shuffle(t0, t2, 0, 2)); // r0[0] r1[0] r2[0] r3[0]
      v128.store(d + stride, i64x2.shuffle(t0, t2, 1, 3));
      v128.store(d + 2 * stride, i64x2.shuffle(t1, t3, 0, 2));
      v128.store(d + 3 * stride, i64x2.shuffle(t1, t3, 1, 3));
    } else {
      v128.store(d, i64x2.shuffle(r0, r1, 0, 2)); // r0[0] r1[0]
      v128.store(d, i64x2.shuffle(r2, r3, 0, 2), 16);
      v128.store(d + stride, i64x2.shuffle(r0, r1, 1, 3));
      v128.store(d + stride, i64x2.shuffle(r2, r3, 1, 3), 16);
    }
  }
  for (; p < kc; p++) {
    for (let r: usize = 0; r < 4; r++) store<T>(dst + <usize>p * stride + r * S, load<T>(src + r * ld + <usize>p * S));
  }
}
