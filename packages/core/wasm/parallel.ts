/**
 * Work sharing for one gemm across threads (shared-memory build only). C is cut into chunks of whole
 * rows (or whole columns); every participating thread calls gemmChunks, which claims the next chunk
 * with a compare-and-swap and computes it, until none is left. A thread that starts late (a worker
 * still asleep, or descheduled on a busy machine) simply claims fewer chunks, so a threaded product is
 * never much slower than a single-threaded one.
 *
 * The job lives in the control block at `ctl`, written by the calling JS thread; its layout, shared
 * with the JS side, is src/kernels/wasm-control.ts. The tag in NEXT (job number & 0x7fff) stops a
 * thread that woke for an old job from claiming a chunk of a new one.
 * Chunks of rows share one packed op(B) (PACKED_B), so threading adds no repacking of B; chunks of
 * columns pack their own part of op(A), the smaller operand when C is wider than tall.
 */
import { gemmF32, gemmF64, gemmPackedF32, gemmPackedF64 } from './gemm';
import * as job from '../src/kernels/wasm-control';

/** Claims and computes chunks of the job tagged `tag` as thread `thread`; returns how many it computed. */
export function gemmChunks(ctl: usize, tag: i32, thread: i32): i32 {
  let done = 0;
  for (;;) {
    const v = atomic.load<i32>(ctl, job.NEXT);
    if ((v >>> 16) != tag) break; // closed, or another job
    const chunk = v & 0xffff;
    if (chunk >= load<i32>(ctl, job.NCHUNKS)) break;
    if (atomic.cmpxchg<i32>(ctl, v, v + 1, job.NEXT) != v) continue; // another thread took it
    computeChunk(ctl, chunk, load<usize>(ctl, job.WORK0) + <usize>thread * load<usize>(ctl, job.WORK_BYTES));
    atomic.add<i32>(ctl, 1, job.COMPLETED);
    atomic.notify(ctl + job.COMPLETED);
    done++;
  }
  return done;
}

/**
 * Chunk `chunk` of the product: rows s..s+len of C from rows s.. of op(A) (row s of stored A, or
 * column s when A is stored transposed), or likewise columns s..s+len from columns of op(B).
 */
function computeChunk(ctl: usize, chunk: i32, work: usize): void {
  const S = <usize>load<i32>(ctl, job.ELEM);
  const s = chunk * load<i32>(ctl, job.CHUNK);
  const len = min(load<i32>(ctl, job.CHUNK), load<i32>(ctl, job.EXTENT) - s);
  const tA = load<i32>(ctl, job.TRANS_A) != 0, tB = load<i32>(ctl, job.TRANS_B) != 0;
  let m = load<i32>(ctl, job.M), n = load<i32>(ctl, job.N);
  const k = load<i32>(ctl, job.K);
  let a = load<usize>(ctl, job.A), b = load<usize>(ctl, job.B), c = load<usize>(ctl, job.C);
  const lda = load<i32>(ctl, job.LDA), ldb = load<i32>(ctl, job.LDB), ldc = load<i32>(ctl, job.LDC);
  if (load<i32>(ctl, job.BY_ROWS) != 0) {
    m = len;
    a += <usize>(tA ? s : s * lda) * S;
    c += <usize>s * ldc * S;
    const packed = load<usize>(ctl, job.PACKED_B);
    if (packed != 0) {
      if (S == 8) gemmPackedF64(tA, m, n, k, a, lda, packed, c, ldc, work);
      else gemmPackedF32(tA, m, n, k, a, lda, packed, c, ldc, work);
      return;
    }
  } else {
    n = len;
    b += <usize>(tB ? s * ldb : s) * S;
    c += <usize>s * S;
  }
  if (S == 8) gemmF64(tA, tB, m, n, k, a, lda, b, ldb, c, ldc, work);
  else gemmF32(tA, tB, m, n, k, a, lda, b, ldb, c, ldc, work);
}
