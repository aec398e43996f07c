import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, jsKernels, kernels, matmul, setNumThreads, TapegradError, tensor, useWasm } from '@tapegrad/core';
import type { FloatArray } from '../dtype.js';
import { setWasmLimits, wasmKernels } from './wasm.js';
import { GEMM_WASM, GEMM_WASM_RELAXED } from './wasm-bytes.js';
import type { WasmExports } from './wasm-exports.js';
import { setRelaxedSimd, sharedRuntime, wasmRuntime } from './wasm-runtime.js';
import { chunksByWorkers, defaultThreads, judge, readyThreads } from './wasm-threads.js';

const wasmGemm = wasmKernels.gemm!;
/** Whether this engine has relaxed SIMD: Node 20 only with --experimental-wasm-relaxed-simd (vitest
 * --execArgv=--experimental-wasm-relaxed-simd runs the relaxed build's tests too), Chromium, Node ≥ 22. */
const hasRelaxedSimd = WebAssembly.validate(Uint8Array.from(atob(GEMM_WASM_RELAXED), (ch) => ch.charCodeAt(0)));
const SIZES = [1, 3, 17, 65, 130];
const FLAGS = [[false, false], [false, true], [true, false], [true, true]] as const;

/** A deterministic pseudo-random fill in [-1, 1) (an LCG), so failures reproduce. */
function fill<T extends FloatArray>(x: T, seed: number): T {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

/**
 * Runs the WASM gemm on operands placed at nonzero offsets, checks it against the JS gemm in float64,
 * and checks that C outside [cOff, cOff + m·n) is untouched. Every element of C must satisfy
 * |c − ref| ≤ tol·Σ_p |op(A)[i,p]|·|op(B)[p,j]|, where `tol` is the rounding bound of the dtype.
 */
function check(dtype: 'float32' | 'float64', transA: boolean, transB: boolean, m: number, n: number, k: number): void {
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const aOff = 3, bOff = 5, cOff = 7;
  const a = fill(new Arr(aOff + m * k + 2), m * 1000 + k);
  const b = fill(new Arr(bOff + k * n + 2), n * 1000 + k + 1);
  const c = new Arr(cOff + m * n + 4).fill(42);
  wasmGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff);

  // Reference and error scale in float64 from the same (already rounded) inputs.
  const ref = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  const a64 = Float64Array.from(a), b64 = Float64Array.from(b);
  jsKernels.gemm(transA, transB, m, n, k, a64, aOff, b64, bOff, ref, 0);
  jsKernels.gemm(transA, transB, m, n, k, a64.map(Math.abs), aOff, b64.map(Math.abs), bOff, scale, 0);
  // float32 accumulates k rounded products in float32: |Δ| ≤ γ_k Σ|a||b| with γ_k ≈ k·2⁻²⁴; 2k·2⁻²⁴
  // covers the (1 − k·u)⁻¹ factor and the product roundings. float64: the same with u = 2⁻⁵³, far below 1e-12.
  const tol = dtype === 'float32' ? Math.max(k, 1) * 2 ** -23 : 1e-12;
  for (let i = 0; i < m * n; i++) {
    const err = Math.abs(c[cOff + i] - ref[i]);
    if (!(err <= tol * scale[i])) {
      expect.fail(
        `${dtype} transA=${transA} transB=${transB} m=${m} n=${n} k=${k}: C[${Math.floor(i / n)},${i % n}] = ` +
          `${c[cOff + i]}, want ${ref[i]} ± ${tol * scale[i]}`,
      );
    }
  }
  for (let i = 0; i < cOff; i++) expect(c[i]).toBe(42);
  for (let i = cOff + m * n; i < c.length; i++) expect(c[i]).toBe(42);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Both builds of the gemm: fused multiply-add (relaxed SIMD) where the engine has it, and mul + add.
for (const relaxed of [true, false]) describe.skipIf(relaxed && !hasRelaxedSimd)(`WASM gemm (single thread, ${relaxed ? 'relaxed' : 'baseline'} SIMD)`, () => {
  let restore: ReturnType<typeof setWasmLimits>;
  beforeAll(() => {
    // Every product, however small, goes to WASM; none to the workers.
    restore = setWasmLimits({ gemm: 0, threads: Infinity });
    setRelaxedSimd(relaxed);
  });
  afterAll(() => {
    setWasmLimits(restore);
    setRelaxedSimd(true);
  });

  it('is available here (Node 20 has WASM SIMD and SharedArrayBuffer), on a plain and on a shared memory', () => {
    expect(wasmRuntime()?.shared).toBe(false);
    expect(sharedRuntime()?.shared).toBe(true);
  });

  it(relaxed ? 'uses the relaxed build where the engine validates it' : 'can be forced to the baseline build', () => {
    expect(wasmRuntime()?.relaxed).toBe(relaxed);
  });

  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: equals the JS gemm for every transA/transB and odd sizes 1…130, at nonzero offsets`, () => {
      for (const [tA, tB] of FLAGS) {
        for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) check(dtype, tA, tB, m, n, k);
      }
    });

    it(`${dtype}: spans several cache blocks (KC = 256, MC = 128 or 64, NC = 2048 or 1024)`, () => {
      for (const [tA, tB] of FLAGS) {
        check(dtype, tA, tB, 131, 1030, 300);
        check(dtype, tA, tB, 5, 2100, 20);
      }
      check(dtype, false, false, 300, 9, 513);
    });

    it(`${dtype}: zero sizes write nothing, except k = 0, which zeroes C`, () => {
      for (const [m, n, k] of [[0, 3, 4], [3, 0, 4], [0, 0, 0], [3, 4, 0], [1, 1, 0]]) {
        for (const [tA, tB] of FLAGS) check(dtype, tA, tB, m, n, k);
      }
    });
  }

  it('widens a float32 operand of a float64 product exactly', () => {
    const a = fill(new Float32Array(17 * 5), 1), b = fill(new Float64Array(5 * 9), 2);
    const c = new Float64Array(17 * 9), ref = new Float64Array(17 * 9);
    wasmGemm(false, false, 17, 9, 5, a, 0, b, 0, c, 0);
    jsKernels.gemm(false, false, 17, 9, 5, a, 0, b, 0, ref, 0);
    for (let i = 0; i < c.length; i++) expect(Math.abs(c[i] - ref[i])).toBeLessThanOrEqual(1e-15 * 5);
  });
});

describe('WASM gemm on two threads', () => {
  let restore: ReturnType<typeof setWasmLimits>;
  beforeAll(async () => {
    // Every product is shared out, in chunks of 8 rows or columns.
    restore = setWasmLimits({ gemm: 0, threads: 0, chunk: 8, adaptive: false });
    setNumThreads(2);
    // Workers start asynchronously and join once ready; wait for one (bounded).
    const rt = sharedRuntime()!;
    for (let i = 0; i < 3000 && readyThreads(rt) < 2; i++) await sleep(10);
    expect(readyThreads(rt)).toBe(2);
  }, 60_000);
  afterAll(() => {
    setWasmLimits(restore);
  });

  it('backs off threading after two jobs that did not pay, for 8 products, then tries again', () => {
    const rt = sharedRuntime()!;
    // The caller took 5 ms for 1 of 2 chunks, so one thread would take ~10 ms: 6 ms pays, 9.5 ms does not.
    judge(6, 5, 1, 2); // a good job: no backoff pending
    judge(9.5, 5, 1, 2);
    expect(readyThreads(rt, true)).toBe(2); // one miss is not enough
    judge(9.5, 5, 1, 2);
    for (let i = 0; i < 8; i++) expect(readyThreads(rt, true)).toBe(1);
    expect(readyThreads(rt, true)).toBe(2);
    expect(readyThreads(rt, false)).toBe(2); // tests and benchmarks can opt out
    judge(6, 5, 1, 2); // a good job resets the backoff
  });

  // Row chunks share one packed op(B): [300, 40, 513] spans three k blocks, [1040, 1030, 20] two
  // column blocks of it in float64 (NC = 1024); [131, 1030, 300] is cut into column chunks.
  const products = [
    ...[17, 65, 130].flatMap((m) => [3, 17, 130].flatMap((n) => [1, 17, 65].map((k) => [m, n, k]))),
    [131, 1030, 300],
    [300, 40, 513],
    [1040, 1030, 20],
  ];

  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: caller and worker share the chunks, by rows (m ≥ n) and by columns (m < n)`, () => {
      for (const [tA, tB] of FLAGS) for (const [m, n, k] of products) check(dtype, tA, tB, m, n, k);
    });

    it(`${dtype}: the worker alone computes every chunk correctly`, () => {
      const previous = setWasmLimits({ callerClaims: false });
      try {
        const before = chunksByWorkers();
        for (const [tA, tB] of FLAGS) for (const [m, n, k] of products) check(dtype, tA, tB, m, n, k);
        // 4 chunks per thread at most, and at least 2 for every product here (all have m or n ≥ 17).
        expect(chunksByWorkers() - before).toBeGreaterThanOrEqual(2 * FLAGS.length * products.length);
      } finally {
        setWasmLimits(previous);
      }
    });
  }
});

/** |a − b| in units in the last place of the larger, for doubles (2⁻¹⁰⁷⁴ below the normal range) or floats. */
function ulps(a: number, b: number, bits: 'float64' | 'float32'): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const [mant, emin] = bits === 'float64' ? [52, -1022] : [23, -126];
  const e = Math.max(Math.floor(Math.log2(Math.max(Math.abs(a), Math.abs(b)))), emin);
  return Math.abs(a - b) / 2 ** (e - mant);
}

describe('backend switches', () => {
  it('backend() reports WASM SIMD with threads; useWasm(false) puts the JS gemm back, and true restores WASM', () => {
    setNumThreads(2);
    expect(backend()).toEqual({ kernels: 'wasm-simd', threads: 2, relaxedSimd: hasRelaxedSimd });
    try {
      expect(useWasm(false)).toBe(false);
      expect(kernels.gemm).toBe(jsKernels.gemm);
      expect(backend()).toEqual({ kernels: 'js', threads: 1, relaxedSimd: false });
    } finally {
      expect(useWasm(true)).toBe(true);
    }
    expect(kernels.gemm).toBe(wasmGemm);
  });

  it('setNumThreads(1) switches threading off, parking the worker for later, and rejects a non-integer', async () => {
    setNumThreads(2);
    for (let i = 0; i < 3000 && readyThreads(sharedRuntime()!) < 2; i++) await sleep(10);
    expect(readyThreads(sharedRuntime()!)).toBe(2);
    setNumThreads(1);
    expect(backend().threads).toBe(1);
    expect(readyThreads(sharedRuntime()!)).toBe(1);
    setNumThreads(2);
    expect(readyThreads(sharedRuntime()!)).toBe(2); // the parked worker, ready at once
    expect(() => setNumThreads(0)).toThrow(TapegradError);
    expect(() => setNumThreads(1.5)).toThrow("setNumThreads: argument 'n': n must be an integer ≥ 1, got 1.5");
  });

  it('reads the default thread count from TAPEGRAD_THREADS', () => {
    const saved = process.env.TAPEGRAD_THREADS;
    try {
      process.env.TAPEGRAD_THREADS = '3';
      expect(defaultThreads()).toBe(3);
      process.env.TAPEGRAD_THREADS = '0';
      expect(defaultThreads()).toBe(1);
      process.env.TAPEGRAD_THREADS = 'many'; // not a number: ignored
      expect(defaultThreads()).toBe(Math.min(4, availableParallelism()));
      delete process.env.TAPEGRAD_THREADS;
      expect(defaultThreads()).toBe(Math.min(4, availableParallelism()));
    } finally {
      if (saved === undefined) delete process.env.TAPEGRAD_THREADS;
      else process.env.TAPEGRAD_THREADS = saved;
    }
  });

  it('matmul gives the same float64 result through WASM and through JS', () => {
    const restore = setWasmLimits({ gemm: 0 });
    try {
      const A = tensor(Array.from({ length: 20 }, (_, i) => Array.from({ length: 30 }, (_, j) => Math.sin(i * 30 + j))), { dtype: 'float64' });
      const B = tensor(Array.from({ length: 30 }, (_, i) => Array.from({ length: 10 }, (_, j) => Math.cos(i * 10 + j))), { dtype: 'float64' });
      const viaWasm = matmul(A, B).data;
      useWasm(false);
      const viaJs = matmul(A, B).data;
      expect(viaWasm).toBeInstanceOf(Float64Array);
      // |C| ≤ Σ|a||b| ≤ 30 here, so 1e-13 absolute is ~1e-14 relative to the scale of the sums.
      for (let i = 0; i < viaJs.length; i++) expect(Math.abs(viaWasm[i] - viaJs[i])).toBeLessThanOrEqual(1e-13);
    } finally {
      useWasm(true);
      setWasmLimits(restore);
    }
  });
});

describe('the embedded module', () => {
  it('the plain build (no shared memory: browsers without cross-origin isolation) computes the same', () => {
    const bytes = Uint8Array.from(atob(GEMM_WASM), (ch) => ch.charCodeAt(0));
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as WasmExports;
    expect((ex as unknown as Record<string, unknown>).gemmChunks).toBeUndefined(); // no atomics in it
    const [m, n, k] = [37, 29, 300];
    const work = 1024, pa = work + ex.gemmWorkBytes(), pb = pa + m * k * 8, pc = pb + k * n * 8, pu = pc + m * n * 8;
    memory.grow(Math.ceil((pu + 1000 * 8) / 65536));
    const heap = new Float64Array(memory.buffer);
    const a = fill(new Float64Array(m * k), 3), b = fill(new Float64Array(k * n), 4), want = new Float64Array(m * n);
    heap.set(a, pa / 8);
    heap.set(b, pb / 8);
    ex.gemmF64(true, false, m, n, k, pa, m, pb, n, pc, n, work);
    jsKernels.gemm(true, false, m, n, k, a, 0, b, 0, want, 0);
    for (let i = 0; i < m * n; i++) expect(Math.abs(heap[pc / 8 + i] - want[i])).toBeLessThanOrEqual(1e-12 * k);
    const x = fill(new Float64Array(1000), 5).map((v) => 10 * v), ex1 = new Float64Array(1000);
    heap.set(x, pu / 8);
    ex.expF64(pu, pu, 1000);
    jsKernels.unary('exp', x, ex1);
    for (let i = 0; i < 1000; i++) expect(ulps(heap[pu / 8 + i], ex1[i], 'float64')).toBeLessThanOrEqual(2);
  });

  it('and its declared exports match a fresh compile of wasm/*.ts (scripts/build-wasm.mjs --check)', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
    const run = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(run.stderr + run.stdout).toContain('wasm-bytes.ts and wasm-exports.ts match a fresh compile');
    expect(run.status).toBe(0);
  }, 180_000); // two AssemblyScript compiles: ~10 s, several times that on a busy machine
});
