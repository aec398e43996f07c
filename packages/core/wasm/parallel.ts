/**
 * Work sharing for one gemm across threads (shared-memory build only). C is cut into chunks of whole
 * rows (or whole columns); every participating thread calls gemmChunks, which claims the next chunk
 * with a compare-and-swap and computes it, until none is left. A thread that starts late (a worker
 * still asleep, or descheduled on a busy machine) simply claims fewer chunks, so a threaded product is
 * never much slower than a single-threaded one.
 *
 * The job lives in a control block of i32 words at `ctl`, written by the calling JS thread:
 *   NEXT       (tag << 16) | next unclaimed chunk; the tag (job number & 0x7fff) stops a thread that
 *              woke for an old job from claiming a chunk of a new one; CLOSED between jobs
 *   COMPLETED  chunks finished (the caller waits for it to reach NCHUNKS; finishing a chunk notifies)
 *   the rest   the job: element size, chunk layout and the whole product's gemm arguments.
 * Chunks of rows share one packed op(B) (PACKED_B), so threading adds no repacking of B; chunks of
 * columns pack their own part of op(A), the smaller operand when C is wider than tall.
 * A thread reads the arguments only after its claim succeeded, and the caller rewrites them only after
 * it closed the job, so a successful claim always sees the arguments of the job it claimed from.
 */
import { gemmF32, gemmF64, gemmPackedF32, gemmPackedF64 } from './gemm';

const NEXT = 0, COMPLETED = 4, ELEM = 8, NCHUNKS = 12, BY_ROWS = 16, CHUNK = 20, EXTENT = 24;
const TRANS_A = 28, TRANS_B = 32, M = 36, N = 40, K = 44, A = 48, LDA = 52, B = 56, LDB = 60, C = 64, LDC = 68;
const WORK0 = 72, WORK_BYTES = 76;
/** Nonzero: op(B), packed once by the caller (packBF32/F64), which every row chunk shares. */
const PACKED_B = 80;

/** Claims and computes chunks of the job tagged `tag` as thread `thread`; returns how many it computed. */
export function gemmChunks(ctl: usize, tag: i32, thread: i32): i32 {
  let done = 0;
  for (;;) {
    const v = atomic.load<i32>(ctl, NEXT);
    if ((v >>> 16) != tag) break; // closed, or another job
    const chunk = v & 0xffff;
    if (chunk >= load<i32>(ctl, NCHUNKS)) break;
    if (atomic.cmpxchg<i32>(ctl, v, v + 1, NEXT) != v) continue; // another thread took it
    computeChunk(ctl, chunk, load<usize>(ctl, WORK0) + <usize>thread * load<usize>(ctl, WORK_BYTES));
    atomic.add<i32>(ctl, 1, COMPLETED);
    atomic.notify(ctl + COMPLETED);
    done++;
  }
  return done;
}

/**
 * Chunk `chunk` of the product: rows s..s+len of C from rows s.. of op(A) (row s of stored A, or
 * column s when A is stored transposed), or likewise columns s..s+len from columns of op(B).
 */
function computeChunk(ctl: usize, chunk: i32, work: usize): void {
  const S = <usize>load<i32>(ctl, ELEM);
  const s = chunk * load<i32>(ctl, CHUNK);
  const len = min(load<i32>(ctl, CHUNK), load<i32>(ctl, EXTENT) - s);
  const tA = load<i32>(ctl, TRANS_A) != 0, tB = load<i32>(ctl, TRANS_B) != 0;
  let m = load<i32>(ctl, M), n = load<i32>(ctl, N);
  const k = load<i32>(ctl, K);
  let a = load<usize>(ctl, A), b = load<usize>(ctl, B), c = load<usize>(ctl, C);
  const lda = load<i32>(ctl, LDA), ldb = load<i32>(ctl, LDB), ldc = load<i32>(ctl, LDC);
  if (load<i32>(ctl, BY_ROWS) != 0) {
    m = len;
    a += <usize>(tA ? s : s * lda) * S;
    c += <usize>s * ldc * S;
    const packed = load<usize>(ctl, PACKED_B);
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
