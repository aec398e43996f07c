import { OrderedMap } from 'immutable';
import { describeValue, quoted } from './check.js';
import { TapegradError, ShapeError, astype, fmtShape, isTensor, sameShape, type Tensor } from '@tapegrad/core';

/** Where a parameter lives: `owner[key]` (a module's field, or an element of an array field). */
type Place = readonly [owner: Record<string | number, unknown>, key: string | number];

/** One parameter: its dotted name, its tensor and every place that holds it (tied weights share one). */
interface Slot {
  readonly name: string;
  readonly tensor: Tensor;
  readonly places: Place[];
}

/** What `setParameters` and `withParameters` accept: an OrderedMap (as `parameters()` returns) or pairs. */
export type ParameterEntries = OrderedMap<string, Tensor> | Iterable<readonly [string, Tensor]>;

/**
 * Options of `setParameters` and `withParameters`.
 *
 * @example
 * const model = new Sequential(new Dense(2, 3), new Dense(3, 1));
 * model.setParameters([['layers.1.b', tensor([[0.5]])]], { strict: false }); // replace one bias, keep the rest
 * model.parameters().get('layers.1.b')!.item(); // 0.5
 */
export interface SetParametersOptions {
  /** Require every parameter of the model to be given (default true). Unknown names are always an error. */
  strict?: boolean;
}

const isParam = (v: unknown): v is Tensor => isTensor(v) && v.requiresGrad;

/**
 * Options of `Module.registerBuffer`: how a buffer is saved and loaded.
 *
 * @example
 * class Counter extends Module {
 *   steps = zeros([], { dtype: 'float64' });
 *   constructor() { super(); this.registerBuffer('steps', 'num_steps', { int64: true, optional: true }); }
 *   forward(x: Tensor): Tensor { return x; }
 * }
 */
export interface BufferOptions {
  /** An integer count, written to safetensors as I64 as PyTorch writes an int64 buffer (default false). */
  int64?: boolean;
  /** A file without it still loads, the buffer keeping its value: files written before it existed (default false). */
  optional?: boolean;
}

/** A module of any inputs and output: what the functions that only walk, save or load a model take. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], unknown>;

/**
 * The base class of every layer and model. A module's parameters and sub-modules are found from its own
 * fields, in declaration order: a Tensor field with `requiresGrad` is a parameter named by the field; a
 * Module field is a child whose names get the prefix `field.`; an array field contributes its Modules as
 * children `field.0.`, `field.1.`, … (and its requiresGrad Tensors as parameters `field.0`, …). Private
 * (`#`) fields are invisible, so they are the place for anything that is not part of the model.
 *
 * Tensors are values: a module is updated by giving it new parameter tensors (`setParameters`), never by
 * writing into `.data`.
 *
 * There are two ways to define your own module: subclass `Module` (below), or compose functions with
 * `Lambda`, `FunctionModule` and `Sequential` (see functional.ts).
 *
 * @example
 * class Affine extends Module {
 *   W = randn([3, 2], { requiresGrad: true });
 *   b = zeros([3, 1], { requiresGrad: true });
 *   forward(x: Tensor): Tensor { return this.W.matmul(x).add(this.b); }
 * }
 * const model = new Affine();
 * model.parameters().keySeq().toArray(); // ['W', 'b']
 * model.numParameters();                 // 9
 */
export abstract class Module<In extends unknown[] = [x: Tensor], Out = Tensor> {
  /** Train mode (the default) or eval mode; layers that behave differently (e.g. dropout) read this. */
  training = true;
  /** This module's own buffers: [field, key in the state dict, options]. Private, so not found as a field. */
  readonly #buffers: [field: string, key: string, options: BufferOptions][] = [];

  /**
   * Computes the module's output. Most layers take one tensor (`Dense`: `[features, m]`, examples as
   * columns); a module with more inputs or another output says so in its type arguments, e.g.
   * `MultiHeadAttention extends Module<[q: Tensor, k: Tensor, v: Tensor, mask?: Tensor]>`, so that its
   * `forward` is typed and it cannot be put where one input is expected (a `Sequential`, `fit`).
   */
  abstract forward(...inputs: In): Out;

  /** A one-line summary used by `toString()`, e.g. `Dense(2 → 4, tanh)`. Subclasses may override it. */
  describe(): string {
    return this.constructor.name || 'Module';
  }

  /**
   * The parameters, from dotted name (`layers.0.W`) to tensor, in registration order. A tensor held in
   * two places (tied weights) is listed once, under the first name.
   */
  parameters(): OrderedMap<string, Tensor> {
    return OrderedMap(this.#slots().map((s): [string, Tensor] => [s.name, s.tensor]));
  }

  /**
   * Declares the Tensor field `field` a buffer: state that is saved and loaded with the parameters
   * (`stateDict`, `saveBytes`, `loadStateDict`) under `key` (default: the field's name), but is not a
   * parameter, so it is neither trained nor counted — as BatchNorm's running statistics (PyTorch's
   * `register_buffer`). `options.int64` saves it as PyTorch saves an integer buffer; `options.optional`
   * lets files without it load.
   *
   * @example
   * class Counter extends Module {
   *   count = zeros([1]);
   *   constructor() { super(); this.registerBuffer('count', 'num_calls'); }
   *   forward(x: Tensor): Tensor { this.count = this.count.add(1); return x; }
   * }
   * [...new Counter().buffers().keys()]; // ['num_calls']
   */
  protected registerBuffer(field: string, key = field, options: BufferOptions = {}): void {
    if (!isTensor((this as unknown as Record<string, unknown>)[field])) {
      throw new TapegradError('registerBuffer', `field '${field}' must hold a Tensor before it is registered`, 'field');
    }
    this.#buffers.push([field, key, options]);
  }

  /** The buffers of this module and its descendants by dotted name (`layers.1.running_mean`), depth first. */
  buffers(): OrderedMap<string, Tensor> {
    return OrderedMap(this.#bufferPlaces().map(([name, owner, field]): [string, Tensor] => [name, owner[field] as Tensor]));
  }

  /**
   * @internal Replaces buffers by dotted name, each cast to its buffer's dtype; checks everything first
   * (as `setParameters`), so on a problem nothing is assigned and the problem is returned.
   */
  setBuffers(entries: Iterable<readonly [string, Tensor]>, strict = true, assign = true): ParameterProblem | null {
    const places = new Map(this.#bufferPlaces().map((p) => [p[0], p] as const));
    const plan: [Record<string, unknown>, string, Tensor][] = [];
    const given = new Set<string>();
    for (const [name, t] of entries) {
      const place = places.get(name);
      if (place === undefined) return { kind: 'unknown', name, known: [...places.keys()] };
      if (given.has(name)) return { kind: 'twice', name };
      given.add(name);
      if (!isTensor(t)) return { kind: 'notTensor', name, value: t };
      const old = place[1][place[2]] as Tensor;
      if (!sameShape(t.shape, old.shape)) return { kind: 'shape', name, model: old.shape, given: t.shape };
      plan.push([place[1], place[2], t.dtype === old.dtype ? t.detach() : astype(t.detach(), old.dtype).detach()]);
    }
    const missing = strict ? [...places.values()].filter((p) => !given.has(p[0]) && !p[3].optional).map((p) => p[0]) : [];
    if (missing.length > 0) return { kind: 'missing', names: missing };
    if (assign) for (const [owner, field, t] of plan) owner[field] = t;
    return null;
  }

  /** @internal The dotted keys of the buffers saved as I64 (`registerBuffer`'s `int64`). */
  int64Buffers(): string[] {
    return this.#bufferPlaces().filter((p) => p[3].int64).map((p) => p[0]);
  }

  /** [dotted key, owning module, field, options] of every buffer, depth first. */
  #bufferPlaces(): [string, Record<string, unknown>, string, BufferOptions][] {
    return this.#walk().flatMap(([name, m]) =>
      m.#buffers.map(([field, key, o]): [string, Record<string, unknown>, string, BufferOptions] => [name === '' ? key : `${name}.${key}`, m as unknown as Record<string, unknown>, field, o]));
  }

  /** The direct sub-modules, by field name (`encoder`, or `layers.0` for an array field). */
  children(): OrderedMap<string, AnyModule> {
    const out: [string, AnyModule][] = [];
    this.#fields((name, value) => {
      if (value instanceof Module) out.push([name, value]);
    });
    return OrderedMap(out);
  }

  /** This module (under the name '') and every descendant, depth first, each listed once. */
  modules(): OrderedMap<string, AnyModule> {
    return OrderedMap(this.#walk().map(([name, m]): [string, AnyModule] => [name, m]));
  }

  /** The number of scalar parameters (each tied tensor counted once). */
  numParameters(): number {
    return this.#slots().reduce((n, s) => n + s.tensor.size, 0);
  }

  /** Clears `.grad` on every parameter. */
  zeroGrad(): void {
    for (const s of this.#slots()) s.tensor.grad = null;
  }

  /** Sets train mode (`mode` true) or eval mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, m] of this.#walk()) m.training = mode;
    return this;
  }

  /** Eval mode on this module and every descendant: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Replaces parameters by name. Each given tensor is cast to the dtype of the parameter it replaces and
   * becomes a fresh leaf with `requiresGrad` and no grad. Everything is validated before anything is
   * assigned, so on error the model is unchanged: an unknown name, a name given twice, a missing name
   * (unless `{ strict: false }`), or a shape that differs (a ShapeError naming the key and both shapes).
   *
   * @example
   * const p = model.parameters();
   * model.setParameters(p.map((W) => W.mul(0.5))); // halve every weight
   */
  setParameters(params: ParameterEntries, options: SetParametersOptions = {}): this {
    const plan = this.#plan('setParameters', params, options.strict ?? true);
    const leaves = plan.map(([slot, t]) => {
      const leaf = (t.dtype === slot.tensor.dtype ? t.detach() : astype(t.detach(), slot.tensor.dtype)).setRequiresGrad(true);
      leaf.name = slot.tensor.name;
      return [slot, leaf] as const;
    });
    for (const [slot, leaf] of leaves) for (const [owner, key] of slot.places) owner[key] = leaf;
    return this;
  }

  /**
   * Runs `fn` with the given parameters substituted as they are (not cast, not detached, so gradients flow
   * back to them), then restores the original ones, even if `fn` throws. Names and shapes are checked as in
   * `setParameters`; parameters not given keep their value. This is what `functionalCall` uses to run a
   * module as a pure function of its parameters.
   */
  withParameters<T>(params: ParameterEntries, fn: () => T): T {
    const plan = this.#plan('withParameters', params, false);
    const saved = plan.map(([slot]) => slot);
    for (const [slot, t] of plan) for (const [owner, key] of slot.places) owner[key] = t;
    try {
      return fn();
    } finally {
      for (const slot of saved) for (const [owner, key] of slot.places) owner[key] = slot.tensor;
    }
  }

  /**
   * The architecture, one line per module, with each module's own parameter shapes and the number of
   * parameters under it:
   *
   * ```text
   * Sequential  (17 parameters, float32)
   *   layers.0  Dense(2 → 4, tanh)     W [4, 2]  b [4, 1]  12 params
   *   layers.1  Dense(4 → 1, sigmoid)  W [1, 4]  b [1, 1]  5 params
   * ```
   */
  toString(): string {
    const dtypes = [...new Set(this.#slots().map((s) => s.tensor.dtype))].sort();
    const own = (m: AnyModule) => {
      const shapes: string[] = [];
      m.#fields((field, value) => {
        if (isParam(value)) shapes.push(`${field} ${fmtShape(value.shape)}`);
      });
      return shapes.join('  ');
    };
    const head = [this.describe(), own(this), `(${this.numParameters()} parameters${dtypes.length > 0 ? `, ${dtypes.join('/')}` : ''})`];
    const rows = this.#walk().slice(1).map(([name, m, depth]) =>
      [`${'  '.repeat(depth)}${name}`, m.describe(), own(m), `${m.numParameters()} params`]);
    // pad each column to its widest cell; a column empty on every row (no own parameters anywhere) is dropped
    const cols = [0, 1, 2, 3].filter((c) => rows.some((r) => r[c] !== ''));
    const widths = cols.map((c) => Math.max(...rows.map((r) => r[c].length)));
    const lines = rows.map((r) => cols.map((c, i) => (i < cols.length - 1 ? r[c].padEnd(widths[i]) : r[c])).join('  '));
    return [head.filter((c) => c !== '').join('  '), ...lines.map((l) => l.trimEnd())].join('\n');
  }

  /** [dotted name, module, depth] for this module and every descendant, depth first, each once. */
  #walk(): [string, AnyModule, number][] {
    const out: [string, AnyModule, number][] = [];
    this.#depthFirst((m, name, depth) => void out.push([name, m, depth]), () => {});
    return out;
  }

  /**
   * Walks this module and its descendants depth first in field order, each module once (a shared or
   * cyclic one is entered the first time it is met): `enter` for each module, `param` for each
   * parameter-candidate field, in order. With an explicit stack rather than recursion, so any depth works.
   */
  #depthFirst(enter: (m: AnyModule, name: string, depth: number) => void, param: (name: string, value: Tensor, place: Place) => void): void {
    type Frame = { name: string; fields: [string, unknown, Place][]; next: number };
    const seen = new Set<AnyModule>();
    const open = (m: AnyModule, name: string, depth: number): Frame | null => {
      if (seen.has(m)) return null;
      seen.add(m);
      enter(m, name, depth);
      const fields: [string, unknown, Place][] = [];
      m.#fields((field, value, place) => void fields.push([field, value, place]));
      return { name, fields, next: 0 };
    };
    const stack: Frame[] = [open(this, '', 0)!];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame.next === frame.fields.length) {
        stack.pop();
        continue;
      }
      const [field, value, place] = frame.fields[frame.next++];
      const full = frame.name === '' ? field : `${frame.name}.${field}`;
      if (value instanceof Module) {
        const child = open(value, full, stack.length);
        if (child !== null) stack.push(child);
      } else param(full, value as Tensor, place);
    }
  }

  /** Calls `visit(name, value, place)` for every parameter-or-module candidate among the own fields. */
  #fields(visit: (name: string, value: unknown, place: Place) => void): void {
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(self)) {
      const value = self[key];
      if (value instanceof Module || isParam(value)) visit(key, value, [self, key]);
      else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Module || isParam(v)) visit(`${key}.${i}`, v, [value as unknown as Record<number, unknown>, i]);
        });
      }
    }
  }

  /** Every parameter with its places, depth first in field order; shared modules are visited once. */
  #slots(): Slot[] {
    const slots: Slot[] = [];
    const byTensor = new Map<Tensor, Slot>();
    this.#depthFirst(() => {}, (name, t, place) => {
      const known = byTensor.get(t);
      if (known) return void known.places.push(place);
      const slot: Slot = { name, tensor: t, places: [place] };
      byTensor.set(t, slot);
      slots.push(slot);
    });
    return slots;
  }

  /** Validates `params` against the model and pairs each given tensor with its slot; assigns nothing. */
  #plan(op: string, params: ParameterEntries, strict: boolean): (readonly [Slot, Tensor])[] {
    const { plan, problem } = this.#match(op, params, strict);
    if (problem !== null) throw parameterError(op, problem);
    return plan;
  }

  /**
   * @internal The first problem `setParameters(params, { strict })` would throw for, or null. Loading
   * (io.ts) asks this, and words the problem as a file's, so the checks live here once.
   */
  checkParameters(params: ParameterEntries, strict = true): ParameterProblem | null {
    return this.#match('checkParameters', params, strict).problem;
  }

  /** Pairs each given tensor with its slot, stopping at the first problem. */
  #match(op: string, params: ParameterEntries, strict: boolean): { plan: (readonly [Slot, Tensor])[]; problem: ParameterProblem | null } {
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      throw new TapegradError(op, 'expected an OrderedMap of tensors (as parameters() returns) or an iterable of [name, tensor] pairs', 'params');
    }
    const slots = new Map(this.#slots().map((s) => [s.name, s] as const));
    const plan: (readonly [Slot, Tensor])[] = [];
    const given = new Set<string>();
    const fail = (problem: ParameterProblem) => ({ plan, problem });
    for (const [name, t] of params as Iterable<readonly [string, Tensor]>) {
      const slot = slots.get(name);
      if (slot === undefined) return fail({ kind: 'unknown', name, known: [...slots.keys()] });
      if (given.has(name)) return fail({ kind: 'twice', name });
      given.add(name);
      if (!isTensor(t)) return fail({ kind: 'notTensor', name, value: t });
      if (!sameShape(t.shape, slot.tensor.shape)) return fail({ kind: 'shape', name, model: slot.tensor.shape, given: t.shape });
      plan.push([slot, t]);
    }
    const missing = strict ? [...slots.keys()].filter((k) => !given.has(k)) : [];
    return missing.length > 0 ? fail({ kind: 'missing', names: missing }) : { plan, problem: null };
  }
}

/** What is wrong with parameters given to a module: found by the module, worded by each caller. */
export type ParameterProblem =
  | { kind: 'unknown'; name: string; known: string[] }
  | { kind: 'twice'; name: string }
  | { kind: 'notTensor'; name: string; value: unknown }
  | { kind: 'shape'; name: string; model: readonly number[]; given: readonly number[] }
  | { kind: 'missing'; names: string[] };

function parameterError(op: string, p: ParameterProblem): TapegradError {
  switch (p.kind) {
    case 'unknown':
      return new TapegradError(op, `unknown parameter '${p.name}'; the model's parameters are ${quoted(p.known) || '(none)'}`, p.name);
    case 'twice':
      return new TapegradError(op, `parameter '${p.name}' is given twice`, p.name);
    case 'notTensor':
      return new TapegradError(op, `parameter '${p.name}' must be a Tensor, got ${describeValue(p.value)}`, p.name);
    case 'shape':
      return new ShapeError(op, `parameter '${p.name}' has shape ${fmtShape(p.model)} in the model but the given tensor has shape ${fmtShape(p.given)}`, p.name);
    case 'missing':
      return new TapegradError(op, `missing parameter(s) ${quoted(p.names)} (pass { strict: false } to set only some)`, p.names[0]);
  }
}
