/**
 * Anomaly mode (PyTorch's detect_anomaly, JAX's debug_nans): while it is on, every op's output and
 * every cotangent of a backward sweep is checked for NaN and ±Infinity, and the first one found raises
 * an `AnomalyError` naming the op, the phase, its inputs and where in the user's code the op was
 * recorded. Off, the normal path pays one boolean test per op.
 */
import { TapegradError, fmtShape } from './errors.js';
import type { Tensor } from './tensor.js';

let enabled = 0;
/** True during a backward sweep: the ops a VJP applies are checked as that VJP's result, not one by one. */
let sweeping = false;
export function setSweeping(on: boolean): void {
  sweeping = on;
}

/**
 * True while anomaly mode is on.
 *
 * @example
 * detectAnomaly(() => isAnomalyEnabled()); // true
 */
export const isAnomalyEnabled = (): boolean => enabled > 0;

/**
 * Runs `fn` with anomaly mode on: the first op whose output, or the first VJP whose cotangent, holds
 * a NaN or ±Infinity raises an `AnomalyError` (with the user's source line where that op was recorded).
 *
 * @example
 * const x = tensor([0, 1], { requiresGrad: true });
 * detectAnomaly(() => x.log().sum().backward()); // AnomalyError: log: forward output has -Infinity …
 */
export function detectAnomaly<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TapegradError('detectAnomaly', `expected a function, got ${fn === null ? 'null' : typeof fn}`, 'fn');
  enabled++;
  try {
    return fn();
  } finally {
    enabled--;
  }
}

/**
 * Switches anomaly mode on or off for everything that follows (the global switch); returns the previous state.
 *
 * @example
 * setDetectAnomaly(true);   // every op and cotangent checked from here on
 * setDetectAnomaly(false);  // back to the normal path
 */
export function setDetectAnomaly(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new TapegradError('setDetectAnomaly', `expected a boolean, got ${typeof on}`, 'on');
  const was = enabled > 0;
  enabled = on ? Math.max(enabled, 1) : 0;
  return was;
}

/**
 * Raised in anomaly mode at the first non-finite op output (forward) or cotangent (backward).
 *
 * @example
 * try { detectAnomaly(() => tensor([-1]).sqrt()); } catch (e) { (e as AnomalyError).phase; } // 'forward'
 */
export class AnomalyError extends TapegradError {
  /** `'forward'`: the op's output; `'backward'`: a cotangent its VJP returned. */
  readonly phase: 'forward' | 'backward';
  /** The user's source location where the op was recorded (`file:line:column`), when known. */
  readonly location: string | null;
  constructor(op: string, phase: 'forward' | 'backward', message: string, location: string | null) {
    super(op, message);
    this.name = 'AnomalyError';
    this.phase = phase;
    this.location = location;
  }
}

// The library's own frames, skipped to find the user's line (source files and the built bundle).
const OWN_FRAME = /[\\/](?:tape|sweep|backward|anomaly|hooks|tensor|functions|custom|transforms|gradcheck|creation|random)\.[cm]?[jt]s|[\\/]ops[\\/]|[\\/]kernels[\\/]|[\\/]debug[\\/]|@tapegrad[\\/]core|core[\\/]dist[\\/]|node:internal/;

/** The first stack frame outside the library, as `file:line:column` (or the frame text), or null. */
export function callSite(): string | null {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const line of stack) {
    if (OWN_FRAME.test(line)) continue;
    const m = /\(?((?:file:\/\/)?[^()\s]+:\d+:\d+)\)?\s*$/.exec(line);
    return m ? m[1] : line.trim();
  }
  return null;
}

/** The first index of a NaN or ±Infinity in t, or −1. */
function firstNonFinite(t: Tensor): number {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

const describe = (t: Tensor): string => `${fmtShape(t.shape)} ${t.dtype}${t.name ? ` '${t.name}'` : ''}`;

/** Forward: raises if the op's output holds a non-finite value, saying whether its inputs already did. */
export function checkForward(op: string, inputs: readonly Tensor[], out: Tensor): void {
  if (sweeping) return;
  const i = firstNonFinite(out);
  if (i < 0) return;
  const ins = inputs.map((t, j) => `input ${j} ${describe(t)}${firstNonFinite(t) >= 0 ? ' (already non-finite)' : ''}`).join(', ');
  const site = callSite();
  throw new AnomalyError(
    op, 'forward',
    `forward output ${describe(out)} has ${out.data[i]} at flat index ${i}; inputs: ${ins || 'none'}${site ? `; recorded at ${site}` : ''}`,
    site,
  );
}

/** Backward: raises if a cotangent the op's VJP returned holds a non-finite value. */
export function checkBackward(op: string, outName: string | null, inputs: readonly Tensor[], cts: readonly (Tensor | null)[], site: string | null): void {
  for (let j = 0; j < cts.length; j++) {
    const g = cts[j];
    if (g === null || g === undefined) continue;
    const i = firstNonFinite(g);
    if (i < 0) continue;
    const ins = inputs.map((t, k) => `input ${k} ${describe(t)}`).join(', ');
    throw new AnomalyError(
      op, 'backward',
      `the VJP${outName ? ` of '${outName}'` : ''} gave the gradient of input ${j} ${g.data[i]} at flat index ${i}; inputs: ${ins}${site ? `; the op was recorded at ${site}` : ''}`,
      site,
    );
  }
}
